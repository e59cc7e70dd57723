import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Runtime } from './runtime';

// One document client per DynamoDB client, so injected clients (tests, sandbox) are respected.
const documentClients = new WeakMap<DynamoDBClient, DynamoDBDocumentClient>();

/** The document client over the runtime's DynamoDB client (hubfix's own tables live in its home account). */
export const documentClient = (rt: Runtime): DynamoDBDocumentClient => {
  const client = rt.clients.home(DynamoDBClient);
  let doc = documentClients.get(client);
  if (!doc) {
    doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    documentClients.set(client, doc);
  }
  return doc;
};

export const isConditionFailure = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException || (error instanceof Error && error.name === 'ConditionalCheckFailedException');
