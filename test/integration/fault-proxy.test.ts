// Proves the fault proxy on real HTTP: the AWS SDK talks to moto server through it, and injected
// faults surface to the SDK exactly as the real services' errors would.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CreateQueueCommand, GetQueueUrlCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  AddPermissionCommand,
  CreateFunctionCommand,
  GetFunctionCommand,
  LambdaClient,
  ListFunctionsCommand,
} from '@aws-sdk/client-lambda';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateBucketCommand, GetBucketNotificationConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { checkMotoAvailable, startMoto, type MotoServer } from '../helpers/moto.js';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

let moto: MotoServer;
let proxy: FaultProxy;
const clients: Array<{ destroy(): void }> = [];

function track<T extends { destroy(): void }>(client: T): T {
  clients.push(client);
  return client;
}

function sqs(maxAttempts = 1, endpoint = proxy.url): SQSClient {
  return track(new SQSClient({ region: 'us-east-1', endpoint, credentials, maxAttempts }));
}

function lambda(maxAttempts = 1, extra: { requestHandler?: { requestTimeout: number; throwOnRequestTimeout: boolean } } = {}): LambdaClient {
  return track(new LambdaClient({ region: 'us-east-1', endpoint: proxy.url, credentials, maxAttempts, ...extra }));
}

/** Resolves to the error a promise rejects with; fails the test if it resolves. */
async function failure(p: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await p;
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

function httpStatus(err: Record<string, unknown>): number | undefined {
  return (err['$metadata'] as { httpStatusCode?: number } | undefined)?.httpStatusCode;
}

// An empty zip archive (end-of-central-directory record only): enough for moto's CreateFunction.
const EMPTY_ZIP = Buffer.from([0x50, 0x4b, 0x05, 0x06, ...new Array<number>(18).fill(0)]);

async function createFunction(name: string): Promise<void> {
  const iam = track(new IAMClient({ region: 'us-east-1', endpoint: proxy.url, credentials, maxAttempts: 1 }));
  const role = await iam.send(
    new CreateRoleCommand({
      RoleName: `${name}-role`,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
    }),
  );
  await lambda().send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs20.x',
      Handler: 'index.handler',
      Role: role.Role?.Arn,
      Code: { ZipFile: EMPTY_ZIP },
    }),
  );
}

beforeAll(async () => {
  moto = await startMoto();
  proxy = await startFaultProxy(moto.endpoint);
}, 30_000);

afterAll(async () => {
  await proxy?.close();
  await moto?.stop();
});

beforeEach(async () => {
  proxy.clear();
  await moto.reset();
});

afterEach(() => {
  for (const c of clients.splice(0)) c.destroy();
});

describe('moto helper', () => {
  it('reports moto as available on this machine', async () => {
    const result = await checkMotoAvailable();
    expect(result).toMatchObject({ available: true });
  });

  it('fails with the install hint when python cannot run moto', async () => {
    const saved = process.env['MOTO_PYTHON'];
    process.env['MOTO_PYTHON'] = '/nonexistent/python3';
    try {
      await expect(startMoto()).rejects.toThrow(
        /^moto server could not start: .*\. Install it with: pip install 'moto\[server\]'$/,
      );
      await expect(checkMotoAvailable()).resolves.toMatchObject({ available: false });
    } finally {
      if (saved === undefined) delete process.env['MOTO_PYTHON'];
      else process.env['MOTO_PYTHON'] = saved;
    }
  });

  it('reset() clears emulator state', async () => {
    const direct = sqs(1, moto.endpoint);
    await direct.send(new CreateQueueCommand({ QueueName: 'before-reset' }));
    await moto.reset();
    const listed = await direct.send(new ListQueuesCommand({}));
    expect(listed.QueueUrls ?? []).toEqual([]);
  });
});

describe('forwarding', () => {
  it('forwards calls verbatim and logs operation, service and status', async () => {
    const client = sqs();
    const created = await client.send(new CreateQueueCommand({ QueueName: 'orders' }));
    const got = await client.send(new GetQueueUrlCommand({ QueueName: 'orders' }));
    expect(got.QueueUrl).toBe(created.QueueUrl);
    // moto builds queue URLs from the Host header, which the proxy passes through unchanged.
    expect(got.QueueUrl).toContain(`127.0.0.1:${proxy.port}`);

    const fns = await lambda().send(new ListFunctionsCommand({}));
    expect(fns.Functions).toEqual([]);

    expect(proxy.calls).toMatchObject([
      { operation: 'CreateQueue', service: 'sqs', protocol: 'awsJson', status: 200, forwarded: true },
      { operation: 'GetQueueUrl', service: 'sqs', protocol: 'awsJson', status: 200, forwarded: true },
      { operation: 'ListFunctions', service: 'lambda', protocol: 'restJson', status: 200, forwarded: true },
    ]);
    expect(proxy.calls.every((c) => c.injected === undefined)).toBe(true);
  });

  it('identifies query-protocol and S3 operations', async () => {
    const sns = track(new SNSClient({ region: 'us-east-1', endpoint: proxy.url, credentials, maxAttempts: 1 }));
    await sns.send(new CreateTopicCommand({ Name: 'events' }));
    const s3 = track(
      new S3Client({ region: 'us-east-1', endpoint: proxy.url, credentials, maxAttempts: 1, forcePathStyle: true }),
    );
    await s3.send(new CreateBucketCommand({ Bucket: 'uploads' }));
    await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'uploads' }));
    expect(proxy.calls.map((c) => [c.service, c.protocol, c.operation, c.status])).toEqual([
      ['sns', 'awsQuery', 'CreateTopic', 200],
      ['s3', 'restXml', 'CreateBucket', 200],
      ['s3', 'restXml', 'GetBucketNotificationConfiguration', 200],
    ]);
  });
});

describe('throttle', () => {
  it('surfaces as ThrottlingException on awsJson (SQS) without reaching moto', async () => {
    const client = sqs();
    await client.send(new CreateQueueCommand({ QueueName: 'q' }));
    proxy.inject({ match: { operation: 'GetQueueUrl' }, fault: 'throttle' });
    const err = await failure(client.send(new GetQueueUrlCommand({ QueueName: 'q' })));
    expect(err.name).toBe('ThrottlingException');
    expect(httpStatus(err)).toBe(400);
    expect(proxy.callsFor('GetQueueUrl')).toMatchObject([{ status: 400, injected: 'throttle', forwarded: false }]);
  });

  it('surfaces as TooManyRequestsException (429) on Lambda', async () => {
    proxy.inject({ match: { operation: 'ListFunctions' }, fault: 'throttle' });
    const err = await failure(lambda().send(new ListFunctionsCommand({})));
    expect(err.name).toBe('TooManyRequestsException');
    expect(httpStatus(err)).toBe(429);
  });

  it('is retried by the SDK and succeeds on the second attempt with maxAttempts 3', async () => {
    proxy.inject({ match: { operation: 'ListFunctions' }, fault: 'throttle' });
    const out = await lambda(3).send(new ListFunctionsCommand({}));
    expect(out.Functions).toEqual([]);
    expect(out.$metadata.attempts).toBe(2);
    expect(proxy.callsFor('ListFunctions')).toMatchObject([
      { status: 429, injected: 'throttle', forwarded: false },
      { status: 200, forwarded: true },
    ]);
  }, 15_000);

  it('surfaces as Throttling on the query protocol (SNS Subscribe)', async () => {
    const sns = track(new SNSClient({ region: 'us-east-1', endpoint: proxy.url, credentials, maxAttempts: 1 }));
    const topic = await sns.send(new CreateTopicCommand({ Name: 't' }));
    proxy.inject({ match: { operation: 'Subscribe' }, fault: 'throttle' });
    const err = await failure(
      sns.send(new SubscribeCommand({ TopicArn: topic.TopicArn, Protocol: 'sqs', Endpoint: 'arn:aws:sqs:us-east-1:123456789012:q' })),
    );
    expect(err.name).toBe('Throttling');
    expect(httpStatus(err)).toBe(400);
  });

  it('surfaces as SlowDown (503) on S3, matched by method and path', async () => {
    const s3 = track(
      new S3Client({ region: 'us-east-1', endpoint: proxy.url, credentials, maxAttempts: 1, forcePathStyle: true }),
    );
    await s3.send(new CreateBucketCommand({ Bucket: 'bkt' }));
    proxy.inject({ match: { method: 'GET', pathIncludes: '?notification' }, fault: 'throttle' });
    const err = await failure(s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'bkt' })));
    expect(err.name).toBe('SlowDown');
    expect(httpStatus(err)).toBe(503);
  });
});

describe('server-error, status and drop', () => {
  it('surfaces a 500 as a server fault', async () => {
    proxy.inject({ match: { operation: 'ListFunctions' }, fault: 'server-error' });
    const lerr = await failure(lambda().send(new ListFunctionsCommand({})));
    expect(lerr.name).toBe('ServiceException');
    expect(lerr['$fault']).toBe('server');
    expect(httpStatus(lerr)).toBe(500);

    proxy.inject({ match: { operation: 'ListQueues' }, fault: 'server-error' });
    const serr = await failure(sqs().send(new ListQueuesCommand({})));
    expect(serr['$fault']).toBe('server');
    expect(httpStatus(serr)).toBe(500);
  });

  it("'status' sends any status and body", async () => {
    proxy.inject({
      match: { operation: 'GetFunction' },
      fault: 'status',
      status: 404,
      headers: { 'x-amzn-errortype': 'ResourceNotFoundException' },
      body: { Type: 'User', message: 'Function not found: injected' },
    });
    const err = await failure(lambda().send(new GetFunctionCommand({ FunctionName: 'nope' })));
    expect(err.name).toBe('ResourceNotFoundException');
    expect(err.message).toBe('Function not found: injected');
    expect(httpStatus(err)).toBe(404);
  });

  it("'drop' surfaces as a network error with no HTTP response", async () => {
    proxy.inject({ match: { operation: 'ListQueues' }, fault: 'drop' });
    const err = await failure(sqs().send(new ListQueuesCommand({})));
    expect(err['code']).toBe('ECONNRESET');
    expect(httpStatus(err)).toBeUndefined();
    expect(proxy.callsFor('ListQueues')).toMatchObject([{ status: 0, injected: 'drop', forwarded: false }]);
  });

  it('delayMs holds the request long enough to trip the client timeout', async () => {
    proxy.inject({ match: { operation: 'ListFunctions' }, fault: 'status', status: 200, body: {}, delayMs: 2_000 });
    const err = await failure(lambda(1, { requestHandler: { requestTimeout: 200, throwOnRequestTimeout: true } }).send(new ListFunctionsCommand({})));
    expect(err.name).toBe('TimeoutError');
  });
});

describe('rule matching and counting', () => {
  it('after skips the first N matches and times limits how often it fires', async () => {
    const client = sqs();
    await client.send(new CreateQueueCommand({ QueueName: 'q' }));
    const rule = proxy.inject({ match: { operation: 'GetQueueUrl' }, fault: 'server-error', after: 1, times: 2 });
    const outcomes: string[] = [];
    for (let i = 0; i < 4; i++) {
      try {
        await client.send(new GetQueueUrlCommand({ QueueName: 'q' }));
        outcomes.push('ok');
      } catch (err) {
        outcomes.push(String(httpStatus(err as Record<string, unknown>)));
      }
    }
    expect(outcomes).toEqual(['ok', '500', '500', 'ok']);
    expect(rule.matched).toBe(4);
    expect(rule.fired).toBe(2);
    expect(proxy.callsFor('GetQueueUrl').map((c) => c.injected)).toEqual([undefined, 'server-error', 'server-error', undefined]);
    // CreateQueue did not match the rule and was not counted.
    expect(proxy.callsFor('CreateQueue')).toMatchObject([{ status: 200 }]);
  });

  it('matches Lambda REST calls by method and path regex', async () => {
    await createFunction('fn');
    proxy.inject({ match: { method: 'POST', pathRegex: /\/policy$/ }, fault: 'throttle' });
    const err = await failure(
      lambda().send(
        new AddPermissionCommand({
          FunctionName: 'fn',
          StatementId: 's1',
          Action: 'lambda:InvokeFunction',
          Principal: 's3.amazonaws.com',
        }),
      ),
    );
    expect(err.name).toBe('TooManyRequestsException');
    expect(proxy.callsFor('AddPermission')).toMatchObject([{ service: 'lambda', injected: 'throttle' }]);
    // GetFunction shares the function path but not the method/suffix: untouched.
    const fn = await lambda().send(new GetFunctionCommand({ FunctionName: 'fn' }));
    expect(fn.Configuration?.FunctionName).toBe('fn');
  });

  it('remove() and clear() stop rules from firing', async () => {
    const rule = proxy.inject({ match: { operation: 'ListQueues' }, fault: 'server-error', times: Infinity });
    await failure(sqs().send(new ListQueuesCommand({})));
    rule.remove();
    await sqs().send(new ListQueuesCommand({}));
    proxy.inject({ match: {}, fault: 'drop', times: Infinity });
    proxy.clear();
    expect(proxy.calls).toEqual([]);
    await sqs().send(new ListQueuesCommand({}));
    expect(proxy.calls).toMatchObject([{ operation: 'ListQueues', status: 200 }]);
  });
});

describe('afterForward', () => {
  it('applies the write in moto even though the client sees the connection drop', async () => {
    proxy.inject({ match: { operation: 'CreateQueue' }, fault: 'drop', afterForward: true });
    const err = await failure(sqs().send(new CreateQueueCommand({ QueueName: 'lost-answer' })));
    expect(err['code']).toBe('ECONNRESET');
    expect(proxy.callsFor('CreateQueue')).toMatchObject([
      { status: 0, upstreamStatus: 200, injected: 'drop', forwarded: true },
    ]);
    // Ask moto directly: the queue exists.
    const listed = await sqs(1, moto.endpoint).send(new ListQueuesCommand({}));
    expect(listed.QueueUrls?.some((u) => u.endsWith('/lost-answer'))).toBe(true);
  });

  it('applies the write in moto even though the client sees a 500', async () => {
    proxy.inject({ match: { operation: 'CreateQueue' }, fault: 'server-error', afterForward: true });
    const err = await failure(sqs().send(new CreateQueueCommand({ QueueName: 'half-done' })));
    expect(httpStatus(err)).toBe(500);
    const listed = await sqs(1, moto.endpoint).send(new ListQueuesCommand({}));
    expect(listed.QueueUrls?.some((u) => u.endsWith('/half-done'))).toBe(true);
  });
});
