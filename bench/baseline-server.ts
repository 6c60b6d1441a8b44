/**
 * The benchmark's baseline: the same graphql-yoga as Keyward, with a one-field schema, on
 * node:http. Run by bench/http.ts as a child process (`node --import tsx bench/baseline-server.ts`).
 * PORT picks the port; it exits on SIGTERM/SIGINT or when its parent closes its stdin.
 */
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
const port = Number(process.env.PORT ?? 0);

server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  process.stdout.write(`baseline listening on http://127.0.0.1:${actual}/graphql\n`);
});

const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2_000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// The parent holds our stdin open; if it dies without cleaning up, we go too.
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
