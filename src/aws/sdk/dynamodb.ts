// The operations evsrc calls on this service, and no others: the bundle leaves out the other commands
// (the shapes the SDK registers for the whole service stay). test/unit/sdk-operations.test.ts checks
// this list against the operations src/ names.
export {
  DynamoDBClient,
  DescribeTableCommand,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
