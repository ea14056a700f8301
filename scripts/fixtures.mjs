// Emulator fixtures for the benchmark and the demo: a role, a function and queues, made with the SDK.
import { deflateRawSync } from 'node:zlib';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';

const config = (endpoint) => ({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });

/** A zip archive holding one small index.py. */
export function handlerZip() {
  const name = Buffer.from('index.py');
  const data = Buffer.from('def handler(event, context):\n    print(event)\n');
  const body = deflateRawSync(data);
  let crc = 0xffffffff;
  for (const b of data) {
    crc ^= b;
    for (let k = 0; k < 8; k += 1) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  crc = (crc ^ 0xffffffff) >>> 0;
  const header = (size, sig) => {
    const h = Buffer.alloc(size);
    h.writeUInt32LE(sig, 0);
    return h;
  };
  const local = header(30, 0x04034b50);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(body.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(name.length, 26);
  const central = header(46, 0x02014b50);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(body.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(name.length, 28);
  const end = header(22, 0x06054b50);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + name.length, 12);
  end.writeUInt32LE(local.length + name.length + body.length, 16);
  return Buffer.concat([local, name, body, central, name, end]);
}

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
