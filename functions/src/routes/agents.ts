/** Agents: registration (identity signature optional), cached search and profile, ping. */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { Agent, AgentParam, AgentRegistration, AgentSearch, AgentsPage } from '@strata/core/catalog/schema';
import { getAgentCached, pingAgentVerb, registerAgentVerb, searchAgentsCached } from '@strata/core/catalog/service';
import type { AppEnv } from '../env';
import { sendCached } from '../http/cache-headers';
import { identity } from '../middleware/identity';
import { rateLimit } from '../middleware/rate-limit';
import { errorResponses } from '../problem';
import { components } from '../openapi/components';
import { SECURITY } from '../openapi/security';

components({ AgentRegistration, Agent });

const Ok = z.object({ status: z.literal('ok') });

const registerRoute = createRoute({
  method: 'post',
  path: '/agents/register',
  tags: ['catalog'],
  summary: 'Register an agent (identity-signed → owned by the key, stable id; unsigned → a new anonymous agent)',
  description:
    'Registers an agent with its name, capabilities and webhook URL (`https` to a public address). Signed by an identity key, the agent belongs to that key: its id is derived from key and name, so a retry keeps it, only requests signed by the same key may change it or ping it, and a body `identityKey` must be the signer’s (401 unsigned, 403 another key). Unsigned, each call creates a new anonymous agent with no key, which can never claim or overwrite a keyed one. A signature that is sent must verify (docs/identity-signing.md).',
  security: SECURITY.identityOptional,
  middleware: [rateLimit('register', (c) => c.get('deps').config.RATE_LIMIT_REGISTER_PER_MIN), identity('optional', { nonce: 'in-write' })] as const,
  request: { body: { required: true, content: { 'application/json': { schema: AgentRegistration } } } },
  responses: {
    200: { description: 'Registered', content: { 'application/json': { schema: Ok.extend({ agentId: z.string() }) } } },
    ...errorResponses('invalid-signature', 'nonce-replayed', 401, 'forbidden', 409, 413, 429, 503),
  },
});

const searchRoute = createRoute({
  method: 'get',
  path: '/agents/search',
  tags: ['catalog'],
  summary: 'Search agents by name and capability (cached page)',
  description: 'Pages of agents whose name matches `q` and that offer `capability`. Cached with `ETag`.',
  security: SECURITY.public,
  middleware: [rateLimit('public')] as const,
  request: { query: AgentSearch },
  responses: {
    200: { description: 'One page', content: { 'application/json': { schema: AgentsPage } } },
    304: { description: 'Not modified' },
    ...errorResponses(429, 503),
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/agents/{id}',
  tags: ['catalog'],
  summary: 'One agent (cached)',
  description: 'One agent by id (`ag_<16 hex>`), with its last ping and status. Cached with `ETag`.',
  security: SECURITY.public,
  middleware: [rateLimit('public')] as const,
  request: { params: AgentParam },
  responses: {
    200: { description: 'The agent', content: { 'application/json': { schema: Agent } } },
    304: { description: 'Not modified' },
    ...errorResponses('not-found', 429, 503),
  },
});

const pingRoute = createRoute({
  method: 'post',
  path: '/agents/{id}/ping',
  tags: ['catalog'],
  summary: 'Mark an agent up (signed by its identity key when it has one)',
  description: 'Records a ping: the agent becomes `up`. An agent registered with an identity key accepts only pings signed by that key (403 `forbidden` otherwise); one registered unsigned accepts any.',
  security: SECURITY.identityOptional,
  middleware: [rateLimit('ping', (c) => c.get('deps').config.RATE_LIMIT_PING_PER_MIN), identity('optional', { nonce: 'in-write' })] as const,
  request: { params: AgentParam },
  responses: {
    200: { description: 'Recorded', content: { 'application/json': { schema: Ok } } },
    ...errorResponses('invalid-signature', 'nonce-replayed', 'forbidden', 'not-found', 401, 429, 503),
  },
});

export function registerAgents(app: OpenAPIHono<AppEnv>): void {
  app.openapi(registerRoute, async (c) => c.json(await registerAgentVerb({ deps: c.get('deps'), ctx: c.get('ctx'), input: { body: c.req.valid('json') } }), 200));
  // registered before /agents/{id} so "search" is never read as an id
  app.openapi(searchRoute, async (c) => {
    const r = await searchAgentsCached({ deps: c.get('deps'), ctx: c.get('ctx'), input: c.req.valid('query') });
    return await sendCached(c, r, 'agents', { detail: 'No agents.' });
  });
  app.openapi(getRoute, async (c) => {
    const r = await getAgentCached({ deps: c.get('deps'), ctx: c.get('ctx'), input: { agentId: c.req.valid('param').id } });
    return await sendCached(c, r, 'agents', { detail: 'No agent has this id.', hint: 'agent not found' });
  });
  app.openapi(pingRoute, async (c) => c.json(await pingAgentVerb({ deps: c.get('deps'), ctx: c.get('ctx'), input: { agentId: c.req.valid('param').id } }), 200));
}
