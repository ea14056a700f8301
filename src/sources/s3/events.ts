// S3's event types, apart from the notification logic: --help and completion read them with the spec.

/**
 * Event types S3 accepts for SQS, SNS and Lambda destinations: the S3 API 2006-03-01's `Event` enum as the
 * AWS SDK for JavaScript v3 ships it (@aws-sdk/client-s3 3.1169, models `Event`), which the S3 User Guide's
 * "Supported event types for SQS, SNS, and Lambda" lists too. Update this list (and only this list) from a
 * newer SDK. s3:TestEvent is not in the enum: S3 sends it itself, nobody subscribes to it.
 */
export const S3_EVENT_TYPES = [
  's3:ObjectCreated:*',
  's3:ObjectCreated:Put',
  's3:ObjectCreated:Post',
  's3:ObjectCreated:Copy',
  's3:ObjectCreated:CompleteMultipartUpload',
  's3:ObjectRemoved:*',
  's3:ObjectRemoved:Delete',
  's3:ObjectRemoved:DeleteMarkerCreated',
  's3:ObjectRestore:*',
  's3:ObjectRestore:Post',
  's3:ObjectRestore:Completed',
  's3:ObjectRestore:Delete',
  's3:ReducedRedundancyLostObject',
  's3:Replication:*',
  's3:Replication:OperationFailedReplication',
  's3:Replication:OperationMissedThreshold',
  's3:Replication:OperationReplicatedAfterThreshold',
  's3:Replication:OperationNotTracked',
  's3:LifecycleExpiration:*',
  's3:LifecycleExpiration:Delete',
  's3:LifecycleExpiration:DeleteMarkerCreated',
  's3:LifecycleTransition',
  's3:IntelligentTiering',
  's3:ObjectTagging:*',
  's3:ObjectTagging:Put',
  's3:ObjectTagging:Delete',
  's3:ObjectAcl:Put',
  's3:ObjectAnnotation:*',
  's3:ObjectAnnotation:Put',
  's3:ObjectAnnotation:Delete',
  's3:ObjectRetention:Put',
] as const;

/** One S3 event notification type. */
export type S3EventType = (typeof S3_EVENT_TYPES)[number];
