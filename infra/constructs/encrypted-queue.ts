import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** SQS-managed encryption works with EventBridge and SNS as senders without key policy changes; TLS only. */
export const encryptedQueue = (scope: Construct, id: string, props: sqs.QueueProps): sqs.Queue =>
  new sqs.Queue(scope, id, { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true, ...props });
