/**
 * Benchmarks measure requests, not the rate limiter's refusals: the demo organization's limit is
 * raised out of reach through the operator API (every request is still counted against it).
 */
export async function liftDemoRateLimit(graphqlUrl: string, partnerKey: string, adminToken: string): Promise<void> {
  const post = async (headers: Record<string, string>, query: string, variables?: Record<string, unknown>) => {
    const response = await fetch(graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(5_000),
    });
    return (await response.json()) as { data?: Record<string, unknown> };
  };
  const viewer = await post({ 'x-partner-key': partnerKey }, '{ viewer { organization { id } } }');
  const id = (viewer.data?.viewer as { organization: { id: string } } | undefined)?.organization.id;
  const raised = await post({ 'x-admin-token': adminToken }, 'mutation ($i: UpdateOrganizationInput!) { updateOrganization(input: $i) { __typename } }', {
    i: { id, rateLimitRequests: 1_000_000, rateLimitWindowSeconds: 1 },
  });
  if ((raised.data?.updateOrganization as { __typename?: string } | undefined)?.__typename !== 'UpdateOrganizationSuccess') {
    throw new Error(`raising the demo organization's rate limit failed: ${JSON.stringify(raised)}`);
  }
}
