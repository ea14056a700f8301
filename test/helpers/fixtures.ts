/** Creates emulator resources directly through the AWS SDK (not through evsrc) for integration tests. */
import { deflateRawSync } from 'node:zlib';
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

// --- list/remove fixtures: triggers made straight through the AWS APIs, the way a console or another tool would ---

/** Creates an S3 bucket (path-style, for the emulator). */
export async function createBucket(endpoint: string, bucket: string, region = 'us-east-1'): Promise<string> {
  const { S3Client, CreateBucketCommand } = await import('@aws-sdk/client-s3');
  const s3 = new S3Client({ ...clientConfig(endpoint, region), forcePathStyle: true });
  await s3.send(new CreateBucketCommand(region === 'us-east-1' ? { Bucket: bucket } : { Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: region as never } }));
  return `arn:aws:s3:::${bucket}`;
}

/** Writes a bucket's whole notification configuration (what a person does with put-bucket-notification-configuration). */
export async function putNotifications(endpoint: string, bucket: string, config: Record<string, unknown>): Promise<void> {
  const { S3Client, PutBucketNotificationConfigurationCommand } = await import('@aws-sdk/client-s3');
  const s3 = new S3Client({ ...clientConfig(endpoint), forcePathStyle: true });
  await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: bucket, NotificationConfiguration: config as never }));
}

/** A bucket's notification configuration, read straight from the emulator (without $metadata). */
export async function notificationsOf(endpoint: string, bucket: string): Promise<Record<string, unknown>> {
  const { S3Client, GetBucketNotificationConfigurationCommand } = await import('@aws-sdk/client-s3');
  const s3 = new S3Client({ ...clientConfig(endpoint), forcePathStyle: true });
  const { $metadata: _, ...config } = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
  return config;
}

/** Creates an SNS topic and returns its ARN. */
export async function createTopic(endpoint: string, name: string, region = 'us-east-1'): Promise<string> {
  const { SNSClient, CreateTopicCommand } = await import('@aws-sdk/client-sns');
  const sns = new SNSClient(clientConfig(endpoint, region));
  return (await sns.send(new CreateTopicCommand({ Name: name }))).TopicArn ?? '';
}

/** Subscribes a function to a topic (protocol lambda) and returns the subscription ARN. */
export async function subscribeFunction(endpoint: string, topicArn: string, functionArn: string, attributes: Record<string, string> = {}): Promise<string> {
  const { SNSClient, SubscribeCommand } = await import('@aws-sdk/client-sns');
  const sns = new SNSClient(clientConfig(endpoint, topicArn.split(':')[3]));
  const out = await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'lambda', Endpoint: functionArn, Attributes: attributes, ReturnSubscriptionArn: true }));
  return out.SubscriptionArn ?? '';
}

/** Every subscription of a topic, read straight from the emulator. */
export async function subscriptionsOf(endpoint: string, topicArn: string) {
  const { SNSClient, ListSubscriptionsByTopicCommand } = await import('@aws-sdk/client-sns');
  const sns = new SNSClient(clientConfig(endpoint, topicArn.split(':')[3]));
  return (await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }))).Subscriptions ?? [];
}

/** lambda add-permission for a push source (s3.amazonaws.com or sns.amazonaws.com), as a person would run it. */
export async function addPermission(
  endpoint: string,
  functionName: string,
  statementId: string,
  principal: string,
  sourceArn?: string,
  options: { qualifier?: string; sourceAccount?: string } = {},
): Promise<void> {
  const { AddPermissionCommand } = await import('@aws-sdk/client-lambda');
  const lambda = new LambdaClient(clientConfig(endpoint));
  await lambda.send(
    new AddPermissionCommand({
      FunctionName: functionName,
      StatementId: statementId,
      Action: 'lambda:InvokeFunction',
      Principal: principal,
      ...(sourceArn ? { SourceArn: sourceArn } : {}),
      ...(options.sourceAccount ? { SourceAccount: options.sourceAccount } : {}),
      ...(options.qualifier ? { Qualifier: options.qualifier } : {}),
    }),
  );
}

/** The statement ids of a function's resource policy ([] when it has none). */
export async function policySids(endpoint: string, functionName: string): Promise<string[]> {
  const { GetPolicyCommand } = await import('@aws-sdk/client-lambda');
  const lambda = new LambdaClient(clientConfig(endpoint));
  try {
    const out = await lambda.send(new GetPolicyCommand({ FunctionName: functionName }));
    return ((JSON.parse(out.Policy ?? '{}') as { Statement?: { Sid?: string }[] }).Statement ?? []).map((s) => s.Sid ?? '');
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return [];
    throw error;
  }
}

/** Creates an event source mapping directly (not through evsrc) and returns its UUID. */
export async function createMapping(endpoint: string, functionName: string, sourceArn: string, extra: Record<string, unknown> = {}): Promise<string> {
  const { CreateEventSourceMappingCommand } = await import('@aws-sdk/client-lambda');
  const lambda = new LambdaClient(clientConfig(endpoint));
  const out = await lambda.send(new CreateEventSourceMappingCommand({ FunctionName: functionName, EventSourceArn: sourceArn, ...extra }));
  return out.UUID ?? '';
}

/** Creates a DynamoDB table with a stream and returns the table and stream ARNs. */
export async function createTableWithStream(endpoint: string, name: string): Promise<{ tableArn: string; streamArn: string }> {
  const { DynamoDBClient, CreateTableCommand } = await import('@aws-sdk/client-dynamodb');
  const ddb = new DynamoDBClient(clientConfig(endpoint));
  const out = await ddb.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
  return { tableArn: out.TableDescription?.TableArn ?? '', streamArn: out.TableDescription?.LatestStreamArn ?? '' };
}

/** Creates a Kinesis stream (one shard) and returns its ARN. */
export async function createStream(endpoint: string, name: string): Promise<string> {
  const { KinesisClient, CreateStreamCommand, DescribeStreamSummaryCommand } = await import('@aws-sdk/client-kinesis');
  const { NodeHttpHandler } = await import('@smithy/node-http-handler');
  const kinesis = new KinesisClient({ ...clientConfig(endpoint), requestHandler: new NodeHttpHandler() });
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
  const out = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
  return out.StreamDescriptionSummary?.StreamARN ?? '';
}

/** Every event source mapping in the region, read straight from the emulator. */
export async function allMappings(endpoint: string) {
  const lambda = new LambdaClient(clientConfig(endpoint));
  return (await lambda.send(new ListEventSourceMappingsCommand({}))).EventSourceMappings ?? [];
}
