/** MSK clusters and Amazon MQ brokers in moto, made directly through the AWS SDK (not through evsrc). */
import { CreateClusterV2Command, KafkaClient } from '@aws-sdk/client-kafka';
import { CreateBrokerCommand, MqClient } from '@aws-sdk/client-mq';
import { clientConfig } from './fixtures.js';

/** Creates a provisioned MSK cluster (moto keeps it CREATING) and returns its ARN. */
export async function createMskCluster(endpoint: string, name: string, region = 'us-east-1'): Promise<string> {
  const kafka = new KafkaClient(clientConfig(endpoint, region));
  const out = await kafka.send(
    new CreateClusterV2Command({
      ClusterName: name,
      Provisioned: { BrokerNodeGroupInfo: { ClientSubnets: ['subnet-0a1b2c3d'], InstanceType: 'kafka.m5.large' }, KafkaVersion: '3.6.0', NumberOfBrokerNodes: 2 },
    }),
  );
  return out.ClusterArn ?? '';
}

/** Creates an Amazon MQ broker (moto makes it RUNNING) and returns its ARN and id. */
export async function createBroker(endpoint: string, name: string, engine: 'ACTIVEMQ' | 'RABBITMQ' = 'ACTIVEMQ', region = 'us-east-1'): Promise<{ arn: string; id: string }> {
  const mq = new MqClient(clientConfig(endpoint, region));
  const out = await mq.send(
    new CreateBrokerCommand({
      BrokerName: name,
      EngineType: engine,
      EngineVersion: engine === 'RABBITMQ' ? '3.13' : '5.18',
      HostInstanceType: 'mq.m5.large',
      DeploymentMode: 'SINGLE_INSTANCE',
      PubliclyAccessible: false,
      AutoMinorVersionUpgrade: true,
      Users: [{ Username: 'admin', Password: 'a-long-password-1' }],
    }),
  );
  return { arn: out.BrokerArn ?? '', id: out.BrokerId ?? '' };
}
