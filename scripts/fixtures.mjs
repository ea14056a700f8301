// Emulator fixtures for the benchmark and the demo: a role, a function and queues, made with the SDK.
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { handlerZip } from './zip.mjs';

export { handlerZip };
const config = (endpoint) => ({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });


/** Creates a role and a function named `name`; returns the function ARN. */
export async function createFunction(endpoint, name, timeout = 10) {
  const iam = new IAMClient(config(endpoint));
  const role = await iam
    .send(new CreateRoleCommand({ RoleName: `${name}-role`, AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] }) }))
    .then((o) => o.Role.Arn);
  const lambda = new LambdaClient(config(endpoint));
  const fn = await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'python3.12', Role: role, Handler: 'index.handler', Code: { ZipFile: handlerZip() }, Timeout: timeout }));
  return fn.FunctionArn;
}

/** Creates an SQS queue; returns its URL. */
export async function createQueue(endpoint, name, attributes = {}) {
  const sqs = new SQSClient(config(endpoint));
  return (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl;
}

/** The benchmark's fixtures: one function and `count` queues. */
export async function setup(endpoint, count) {
  await createFunction(endpoint, 'bench-fn');
  for (let i = 0; i < count; i += 1) await createQueue(endpoint, `bench-${i}`, { VisibilityTimeout: '60' });
}

/** Creates an S3 bucket. */
export async function createBucket(endpoint, name) {
  const { S3Client, CreateBucketCommand } = await import('@aws-sdk/client-s3');
  await new S3Client({ ...config(endpoint), forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: name }));
}

/** Creates an SNS topic; returns its ARN. */
export async function createTopic(endpoint, name) {
  const { SNSClient, CreateTopicCommand } = await import('@aws-sdk/client-sns');
  return (await new SNSClient(config(endpoint)).send(new CreateTopicCommand({ Name: name }))).TopicArn;
}

/** Creates a DynamoDB table without a stream. */
export async function createTable(endpoint, name) {
  const { DynamoDBClient, CreateTableCommand } = await import('@aws-sdk/client-dynamodb');
  await new DynamoDBClient(config(endpoint)).send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}

/** Creates a one-shard Kinesis stream. */
export async function createStream(endpoint, name) {
  const { KinesisClient, CreateStreamCommand } = await import('@aws-sdk/client-kinesis');
  const { NodeHttpHandler } = await import('@smithy/node-http-handler');
  await new KinesisClient({ ...config(endpoint), requestHandler: new NodeHttpHandler() }).send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
}

/** Creates a CloudWatch Logs log group. */
export async function createLogGroup(endpoint, name) {
  const { CloudWatchLogsClient, CreateLogGroupCommand } = await import('@aws-sdk/client-cloudwatch-logs');
  await new CloudWatchLogsClient(config(endpoint)).send(new CreateLogGroupCommand({ logGroupName: name }));
}
