/** Creates emulator resources directly through the AWS SDK (not through evsrc) for integration tests. */
import { deflateRawSync } from 'node:zlib';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, UpdateTableCommand, type StreamViewType } from '@aws-sdk/client-dynamodb';
import { CreateStreamCommand, KinesisClient, ListStreamConsumersCommand, RegisterStreamConsumerCommand } from '@aws-sdk/client-kinesis';
import { SNSClient, CreateTopicCommand } from '@aws-sdk/client-sns';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { IAMClient, CreateRoleCommand } from '@aws-sdk/client-iam';
import { LambdaClient, CreateFunctionCommand, ListEventSourceMappingsCommand } from '@aws-sdk/client-lambda';
import { SQSClient, CreateQueueCommand } from '@aws-sdk/client-sqs';

/** SDK client config for the emulator. */
export function clientConfig(endpoint: string, region = 'us-east-1') {
  return { region, endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
}

// A one-file zip archive (index.py) built by hand so tests need no zip tool.
function tinyZip(): Uint8Array {
  const name = Buffer.from('index.py');
  const data = Buffer.from('def handler(event, context):\n    return None\n');
  const compressed = deflateRawSync(data);
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k += 1) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  crc = (crc ^ 0xffffffff) >>> 0;
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(compressed.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(compressed.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(name.length, 28);
  const localSize = local.length + name.length + compressed.length;
  const centralSize = central.length + name.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(localSize, 16);
  return Buffer.concat([local, name, compressed, central, name, end]);
}

/** Creates an execution role (moto checks that it exists) and returns its ARN. */
export async function createRole(endpoint: string, name = 'evsrc-test-role'): Promise<string> {
  const iam = new IAMClient(clientConfig(endpoint));
  try {
    const out = await iam.send(
      new CreateRoleCommand({
        RoleName: name,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        }),
      }),
    );
    return out.Role?.Arn ?? '';
  } catch (error) {
    if (['EntityAlreadyExists', 'EntityAlreadyExistsException'].includes((error as Error).name)) return `arn:aws:iam::123456789012:role/${name}`;
    throw error;
  }
}

/** Creates a Lambda function and returns its ARN. */
export async function createFunction(endpoint: string, name: string, options: { timeout?: number; region?: string } = {}): Promise<string> {
  const role = await createRole(endpoint);
  const lambda = new LambdaClient(clientConfig(endpoint, options.region));
  const out = await lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'python3.12',
      Role: role,
      Handler: 'index.handler',
      Code: { ZipFile: tinyZip() },
      Timeout: options.timeout ?? 10,
    }),
  );
  return out.FunctionArn ?? '';
}

/** Creates an SQS queue and returns its URL and ARN. */
export async function createQueue(
  endpoint: string,
  name: string,
  attributes: Record<string, string> = {},
  region = 'us-east-1',
): Promise<{ url: string; arn: string }> {
  const sqs = new SQSClient(clientConfig(endpoint, region));
  if (name.endsWith('.fifo')) attributes = { FifoQueue: 'true', ...attributes };
  const out = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  const url = out.QueueUrl ?? '';
  return { url, arn: `arn:aws:sqs:${region}:123456789012:${name}` };
}

/** Every event source mapping of a source, read straight from the emulator. */
export async function mappingsOf(endpoint: string, sourceArn: string, region = 'us-east-1') {
  const lambda = new LambdaClient(clientConfig(endpoint, region));
  const out = await lambda.send(new ListEventSourceMappingsCommand({ EventSourceArn: sourceArn }));
  return out.EventSourceMappings ?? [];
}

/** Creates a DynamoDB table (hash key `id`), with a stream when `stream` names a view type; returns its description. */
export async function createTable(endpoint: string, name: string, stream?: StreamViewType, region = 'us-east-1') {
  const ddb = new DynamoDBClient(clientConfig(endpoint, region));
  const out = await ddb.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      ...(stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: stream } } : {}),
    }),
  );
  return { arn: out.TableDescription?.TableArn ?? '', streamArn: out.TableDescription?.LatestStreamArn };
}

/** A table as the emulator describes it now. */
export async function describeTable(endpoint: string, name: string, region = 'us-east-1') {
  const ddb = new DynamoDBClient(clientConfig(endpoint, region));
  return (await ddb.send(new DescribeTableCommand({ TableName: name }))).Table;
}

/** Turns a table's stream off (its LatestStreamArn stays, disabled). */
export async function disableStream(endpoint: string, name: string, region = 'us-east-1') {
  const ddb = new DynamoDBClient(clientConfig(endpoint, region));
  await ddb.send(new UpdateTableCommand({ TableName: name, StreamSpecification: { StreamEnabled: false } }));
}

// The Kinesis client needs the HTTP/1.1 handler to talk to a plain-HTTP endpoint.
function kinesis(endpoint: string, region: string) {
  return new KinesisClient({ ...clientConfig(endpoint, region), requestHandler: new NodeHttpHandler() });
}

/** Creates a one-shard Kinesis data stream and returns its ARN. */
export async function createStream(endpoint: string, name: string, region = 'us-east-1'): Promise<string> {
  await kinesis(endpoint, region).send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
  return `arn:aws:kinesis:${region}:123456789012:stream/${name}`;
}

/** Registers an enhanced fan-out consumer and returns its ARN. */
export async function registerConsumer(endpoint: string, streamArn: string, name: string, region = 'us-east-1'): Promise<string> {
  const out = await kinesis(endpoint, region).send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: name }));
  return out.Consumer?.ConsumerARN ?? '';
}

/** The consumers of a stream, read straight from the emulator. */
export async function consumersOf(endpoint: string, streamArn: string, region = 'us-east-1') {
  return (await kinesis(endpoint, region).send(new ListStreamConsumersCommand({ StreamARN: streamArn }))).Consumers ?? [];
}

/** Creates an SNS topic and returns its ARN. */
export async function createTopic(endpoint: string, name: string, region = 'us-east-1'): Promise<string> {
  return (await new SNSClient(clientConfig(endpoint, region)).send(new CreateTopicCommand({ Name: name }))).TopicArn ?? '';
}
