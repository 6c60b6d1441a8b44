/**
 * The benchmark's baseline: the same graphql-yoga as Keyward, with a one-field schema, on
 * node:http. Run by bench/http.ts as a child process (`node --import tsx bench/baseline-server.ts`).
 * PORT picks the port; it exits on SIGTERM/SIGINT or when its parent closes its stdin.
 */
import { serveAsBenchChild } from './child-server.ts';
import { createServer } from 'node:http';
import { createSchema, createYoga } from 'graphql-yoga';

const yoga = createYoga({
  schema: createSchema({
    typeDefs: 'type Query { hello: String! }',
    resolvers: { Query: { hello: () => 'world' } },
  }),
  graphqlEndpoint: '/graphql',
  landingPage: false,
  graphiql: false,
});

const server = createServer(yoga);
serveAsBenchChild(server, 'baseline', '/graphql');
