/** Creates emulator resources directly through the AWS SDK (not through evsrc) for integration tests. */
import { handlerZip } from '../../scripts/zip.mjs';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, UpdateTableCommand, type StreamViewType } from '@aws-sdk/client-dynamodb';
import { CreateStreamCommand, KinesisClient, ListStreamConsumersCommand, RegisterStreamConsumerCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { IAMClient, CreateRoleCommand } from '@aws-sdk/client-iam';
import { LambdaClient, CreateAliasCommand, CreateFunctionCommand, ListEventSourceMappingsCommand, PublishVersionCommand } from '@aws-sdk/client-lambda';
import { SQSClient, CreateQueueCommand } from '@aws-sdk/client-sqs';

/** SDK client config for the emulator. */
export function clientConfig(endpoint: string, region = 'us-east-1') {
  return { region, endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
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
      Code: { ZipFile: handlerZip() },
      Timeout: options.timeout ?? 10,
    }),
  );
  return out.FunctionArn ?? '';
}

/** Publishes a version of a function and points a new alias at it; returns the alias ARN. */
export async function createAlias(endpoint: string, functionName: string, alias: string, region = 'us-east-1'): Promise<string> {
  const lambda = new LambdaClient(clientConfig(endpoint, region));
  const version = await lambda.send(new PublishVersionCommand({ FunctionName: functionName }));
  const out = await lambda.send(new CreateAliasCommand({ FunctionName: functionName, Name: alias, FunctionVersion: version.Version }));
  return out.AliasArn ?? '';
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

// --- push sources (S3, SNS) ---------------------------------------------------------------------

/** An S3 client for the emulator (path-style, as evsrc uses with an endpoint). */
export async function s3Client(endpoint: string, region = 'us-east-1') {
  const { S3Client } = await import('@aws-sdk/client-s3');
  return new S3Client({ ...clientConfig(endpoint, region), forcePathStyle: true });
}

/** Creates a bucket (in `region`), optionally with a notification configuration. */
export async function createBucket(endpoint: string, name: string, options: { region?: string; notification?: Record<string, unknown> } = {}): Promise<string> {
  const { CreateBucketCommand, PutBucketNotificationConfigurationCommand } = await import('@aws-sdk/client-s3');
  const region = options.region ?? 'us-east-1';
  const s3 = await s3Client(endpoint, region);
  await s3.send(
    new CreateBucketCommand(
      region === 'us-east-1' ? { Bucket: name } : { Bucket: name, CreateBucketConfiguration: { LocationConstraint: region as never } },
    ),
  );
  if (options.notification) {
    await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: name, NotificationConfiguration: options.notification as never }));
  }
  s3.destroy();
  return `arn:aws:s3:::${name}`;
}

/** A bucket's notification configuration, read straight from the emulator (without $metadata). */
export async function notificationOf(endpoint: string, bucket: string, region = 'us-east-1'): Promise<Record<string, any>> {
  const { GetBucketNotificationConfigurationCommand } = await import('@aws-sdk/client-s3');
  const s3 = await s3Client(endpoint, region);
  const { $metadata: _m, ...config } = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
  s3.destroy();
  return config;
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

// --- list/remove fixtures: triggers made straight through the AWS APIs, the way a console or another tool would ---

/** Writes a bucket's whole notification configuration (what a person does with put-bucket-notification-configuration). */
export async function putNotifications(endpoint: string, bucket: string, config: Record<string, unknown>): Promise<void> {
  const { S3Client, PutBucketNotificationConfigurationCommand } = await import('@aws-sdk/client-s3');
  const s3 = new S3Client({ ...clientConfig(endpoint), forcePathStyle: true });
  await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: bucket, NotificationConfiguration: config as never }));
}

/** Creates an SNS topic and returns its ARN. */
export async function createTopic(endpoint: string, name: string, region = 'us-east-1'): Promise<string> {
  const { SNSClient, CreateTopicCommand } = await import('@aws-sdk/client-sns');
  const sns = new SNSClient(clientConfig(endpoint, region));
  const out = await sns.send(new CreateTopicCommand(name.endsWith('.fifo') ? { Name: name, Attributes: { FifoTopic: 'true' } } : { Name: name }));
  sns.destroy();
  return out.TopicArn ?? '';
}

/** Every subscription of a topic, each with its attributes. */
export async function subscriptionsOf(endpoint: string, topicArn: string, region = 'us-east-1'): Promise<{ arn: string; endpoint: string; protocol: string; attributes: Record<string, string> }[]> {
  const { SNSClient, ListSubscriptionsByTopicCommand, GetSubscriptionAttributesCommand } = await import('@aws-sdk/client-sns');
  const sns = new SNSClient(clientConfig(endpoint, region));
  const out = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }));
  const subs = [];
  for (const s of out.Subscriptions ?? []) {
    const attrs = await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: s.SubscriptionArn }));
    subs.push({ arn: s.SubscriptionArn ?? '', endpoint: s.Endpoint ?? '', protocol: s.Protocol ?? '', attributes: attrs.Attributes ?? {} });
  }
  sns.destroy();
  return subs;
}

/** Creates a queue whose access policy already holds `statements`. */
export async function createQueueWithPolicy(endpoint: string, name: string, statements: object[], region = 'us-east-1'): Promise<{ url: string; arn: string }> {
  return createQueue(endpoint, name, { Policy: JSON.stringify({ Version: '2012-10-17', Statement: statements }) }, region);
}

/** A queue's access policy document, parsed (undefined when it has none). */
export async function queuePolicyOf(endpoint: string, url: string, region = 'us-east-1'): Promise<{ Statement: Record<string, any>[] } | undefined> {
  const { GetQueueAttributesCommand } = await import('@aws-sdk/client-sqs');
  const sqs = new SQSClient(clientConfig(endpoint, region));
  const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['Policy'] }));
  sqs.destroy();
  const policy = out.Attributes?.Policy;
  return policy ? JSON.parse(policy) : undefined;
}

/** Adds a statement to a function's policy directly (a permission "made elsewhere"). */
export async function addForeignPermission(
  endpoint: string,
  functionName: string,
  input: { StatementId: string; Principal: string; SourceArn?: string; SourceAccount?: string },
  region = 'us-east-1',
): Promise<void> {
  const { AddPermissionCommand } = await import('@aws-sdk/client-lambda');
  const lambda = new LambdaClient(clientConfig(endpoint, region));
  await lambda.send(new AddPermissionCommand({ FunctionName: functionName, Action: 'lambda:InvokeFunction', ...input }));
  lambda.destroy();
}

/** The statements of a function's resource policy (empty when it has none). */
export async function policyStatementsOf(endpoint: string, functionName: string, region = 'us-east-1'): Promise<Record<string, any>[]> {
  const { GetPolicyCommand } = await import('@aws-sdk/client-lambda');
  const lambda = new LambdaClient(clientConfig(endpoint, region));
  try {
    const out = await lambda.send(new GetPolicyCommand({ FunctionName: functionName }));
    return (JSON.parse(out.Policy ?? '{}').Statement ?? []) as Record<string, any>[];
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return [];
    throw error;
  } finally {
    lambda.destroy();
  }
}

/** Subscribes a function to a topic (protocol lambda) and returns the subscription ARN. */
export async function subscribeFunction(endpoint: string, topicArn: string, functionArn: string, attributes: Record<string, string> = {}): Promise<string> {
  const { SNSClient, SubscribeCommand } = await import('@aws-sdk/client-sns');
  const sns = new SNSClient(clientConfig(endpoint, topicArn.split(':')[3]));
  const out = await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'lambda', Endpoint: functionArn, Attributes: attributes, ReturnSubscriptionArn: true }));
  return out.SubscriptionArn ?? '';
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
export async function createMapping(endpoint: string, functionName: string, sourceArn: string | undefined, extra: Record<string, unknown> = {}): Promise<string> {
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

/** Every event source mapping in the region, read straight from the emulator. */
export async function allMappings(endpoint: string) {
  const lambda = new LambdaClient(clientConfig(endpoint));
  return (await lambda.send(new ListEventSourceMappingsCommand({}))).EventSourceMappings ?? [];
}
