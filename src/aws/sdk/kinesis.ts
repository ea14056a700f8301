// The operations evsrc calls on this service, and nothing else: the bundle keeps only their code
// (test/unit/sdk-operations.test.ts checks that every operation named in src/ is here).
export {
  KinesisClient,
  DeregisterStreamConsumerCommand,
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  ListStreamsCommand,
  RegisterStreamConsumerCommand,
} from '@aws-sdk/client-kinesis';
