// The typed SDK of the /v1 API: one method per operation (the operationIds of /v1/openapi.json).
import { TmlApiError, TmlConnectionError } from './errors.js';
import type * as T from './types.js';
import type * as V from './solution-types.js';
import type * as A from './aims-types.js';
import { followSolution, tailTopic, type LiveOptions, type ServerSentEvent } from './live.js';

export interface ClientOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:8000` (without `/v1`). */
  url: string;
  token?: string;
  /** Per-request timeout in ms (default 120,000). */
  timeoutMs?: number;
  /** For tests and custom agents; defaults to the global fetch. */
  fetch?: typeof fetch;
}

const enc = encodeURIComponent;

export class TmlClient {
  readonly #base: string;
  readonly #token?: string;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;

  constructor(options: ClientOptions) {
    let base: URL;
    try {
      base = new URL(options.url);
    } catch {
      throw new TmlConnectionError(
        `not a server URL: '${options.url}' (expected e.g. http://127.0.0.1:8000)`,
      );
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new TmlConnectionError(`not an http(s) URL: '${options.url}'`);
    }
    this.#base = base.href.replace(/\/+$/, '') + '/v1';
    if (options.token !== undefined) this.#token = options.token.trim();
    this.#timeoutMs = options.timeoutMs ?? 120_000;
    this.#fetch = options.fetch ?? fetch;
  }

  // topics
  createTopic(request: T.CreateTopicRequest): Promise<T.CreateTopicResponse> {
    return this.#call('POST', '/topics', request);
  }
  async listTopics(): Promise<T.TopicSummary[]> {
    return (await this.#call<{ topics: T.TopicSummary[] }>('GET', '/topics')).topics;
  }
  modifyTopic(topic: string, details: T.ContactDetails): Promise<T.TopicDetails> {
    return this.#call('PATCH', `/topics/${enc(topic)}`, details);
  }
  /** Grows a topic to `count` partitions (admin); a count below the topic's is refused. */
  addPartitions(topic: string, count: number): Promise<T.AddPartitionsResponse> {
    return this.#call('POST', `/topics/${enc(topic)}/partitions`, { count });
  }
  async deleteTopic(topic: string): Promise<string[]> {
    return (await this.#call<{ deleted: string[] }>('DELETE', `/topics/${enc(topic)}`)).deleted;
  }
  activateTopic(topic: string): Promise<{ topic: string; active: boolean }> {
    return this.#call('POST', `/topics/${enc(topic)}/activate`);
  }
  deactivateTopic(topic: string): Promise<{ topic: string; active: boolean }> {
    return this.#call('POST', `/topics/${enc(topic)}/deactivate`);
  }

  // records
  produce(
    topic: string,
    producerId: string,
    value: string | number,
    identifier?: string,
  ): Promise<T.ProduceResponse> {
    return this.#call('POST', `/topics/${enc(topic)}/records`, {
      producerId,
      value,
      ...(identifier ? { identifier } : {}),
    });
  }
  produceBulk(
    topic: string,
    producerId: string,
    values: (string | number)[],
  ): Promise<T.ProduceBulkResponse> {
    return this.#call('POST', `/topics/${enc(topic)}/records/bulk`, { producerId, values });
  }

  // consumers
  subscribe(
    topic: string,
    details: T.ContactDetails & { groupId?: string } = {},
  ): Promise<T.ConsumerResponse> {
    return this.#call('POST', '/consumers', { topic, ...details });
  }
  modifyConsumer(consumerId: string, details: T.ContactDetails): Promise<T.ConsumerDetails> {
    return this.#call('PATCH', `/consumers/${enc(consumerId)}`, details);
  }
  unsubscribe(consumerId: string): Promise<T.ConsumerResponse> {
    return this.#call('DELETE', `/consumers/${enc(consumerId)}`);
  }
  consume(consumerId: string, request: T.PollRequest = {}): Promise<T.PollResponse> {
    return this.#call('POST', `/consumers/${enc(consumerId)}/poll`, request);
  }

  // groups
  createGroup(request: T.CreateGroupRequest): Promise<T.GroupResponse> {
    return this.#call('POST', '/groups', request);
  }
  groupConsume(groupId: string, request: T.GroupPollRequest): Promise<T.GroupPollResponse> {
    return this.#call('POST', `/groups/${enc(groupId)}/poll`, request);
  }
  activateGroup(groupId: string): Promise<T.GroupActiveResponse> {
    return this.#call('POST', `/groups/${enc(groupId)}/activate`);
  }
  deactivateGroup(groupId: string): Promise<T.GroupActiveResponse> {
    return this.#call('POST', `/groups/${enc(groupId)}/deactivate`);
  }

  // the TML flow
  createJoinTopic(request: T.CreateJoinRequest): Promise<T.CreateJoinResponse> {
    return this.#call('POST', '/joins', request);
  }
  produceJoined(topic: string, request: T.ProduceJoinedRequest): Promise<T.ProduceJoinedResponse> {
    return this.#call('POST', `/joins/${enc(topic)}/records`, request);
  }
  preprocess(topic: string, request: T.PreprocessRequest): Promise<T.PreprocessResponse> {
    return this.#call('POST', `/joins/${enc(topic)}/preprocessed`, request);
  }
  /** Statistics per device and subtopic of raw JSON records in `topic`, read through JSON criteria. */
  preprocessCustomJson(topic: string, request: T.CustomJsonRequest): Promise<T.CustomJsonResponse> {
    return this.#call('POST', `/topics/${enc(topic)}/custom-json`, request);
  }
  /** Conditions on the newest values of preprocessed streams inside `topic` (docs/preprocessing.md). */
  streamQuery(topic: string, request: T.StreamQueryRequest): Promise<T.StreamQueryResponse> {
    return this.#call('POST', `/topics/${enc(topic)}/stream-queries`, request);
  }
  /** Correlations between streams, written to a topic (docs/stream-analytics.md). */
  correlateStreams(topic: string, request: T.CorrelationRequest): Promise<T.CorrelationResponse> {
    return this.#call('POST', `/topics/${enc(topic)}/correlations`, request);
  }
  /** k-means over a topic's newest records, written to a topic (docs/stream-analytics.md). */
  clusterStream(topic: string, request: T.ClusterRequest): Promise<T.ClusterResponse> {
    return this.#call('POST', `/topics/${enc(topic)}/clusters`, request);
  }
  /** The newest search of `topic` against the searches before it (docs/stream-analytics.md). */
  searchAnomaly(topic: string, request: T.SearchAnomalyRequest): Promise<T.SearchAnomalyResponse> {
    return this.#call('POST', `/topics/${enc(topic)}/search-anomalies`, request);
  }
  createTrainingSet(request: T.TrainingSetRequest): Promise<T.TrainingSetResponse> {
    return this.#call('POST', '/training-sets', request);
  }
  trainModel(request: T.TrainRequest): Promise<T.TrainResponse> {
    return this.#call('POST', '/models', request);
  }
  predict(request: T.PredictRequest): Promise<T.PredictResponse> {
    return this.#call('POST', '/predictions', request);
  }
  optimize(request: T.OptimizeRequest): Promise<T.OptimizeResponse> {
    return this.#call('POST', '/optimizations', request);
  }
  trainPeerGroups(request: T.PeerGroupsRequest): Promise<T.PeerGroupsResponse> {
    return this.#call('POST', '/peer-groups', request);
  }
  scoreAnomalies(request: T.AnomaliesRequest): Promise<T.AnomaliesResponse> {
    return this.#call('POST', '/anomalies', request);
  }
  stats(): Promise<T.StatsResponse> {
    return this.#call('GET', '/stats');
  }
  consumeJoined(consumerId: string, request: T.JoinedPollRequest = {}): Promise<T.JoinedPollResponse> {
    return this.#call('POST', `/consumers/${enc(consumerId)}/joined`, request);
  }

  // continuous solutions
  /** Creates a running solution from a spec object, or from YAML (or JSON) text. */
  createSolution(spec: V.SolutionSpecInput | string): Promise<V.SolutionView> {
    return typeof spec === 'string'
      ? this.#call('POST', '/solutions', spec, 'application/yaml')
      : this.#call('POST', '/solutions', spec);
  }
  /**
   * Changes a solution in place from a JSON merge patch of its spec (null removes a field); it keeps
   * its registry, champions and input offsets. Changing its inputs, variables or task is refused (409).
   */
  updateSolution(name: string, patch: Record<string, unknown>): Promise<V.SolutionView> {
    return this.#call('PATCH', `/solutions/${enc(name)}`, patch);
  }
  async listSolutions(): Promise<V.SolutionView[]> {
    return (await this.#call<{ solutions: V.SolutionView[] }>('GET', '/solutions')).solutions;
  }
  describeSolution(name: string): Promise<V.SolutionView> {
    return this.#call('GET', `/solutions/${enc(name)}`);
  }
  pauseSolution(name: string): Promise<V.SolutionView> {
    return this.#call('POST', `/solutions/${enc(name)}/pause`);
  }
  resumeSolution(name: string): Promise<V.SolutionView> {
    return this.#call('POST', `/solutions/${enc(name)}/resume`);
  }
  async deleteSolution(name: string): Promise<void> {
    await this.#call('DELETE', `/solutions/${enc(name)}`);
  }
  solutionModels(name: string, query: V.SolutionModelsQuery = {}): Promise<V.SolutionModels> {
    const search = new URLSearchParams();
    if (query.entity !== undefined) search.set('entity', query.entity);
    if (query.limit !== undefined) search.set('limit', String(query.limit));
    const qs = search.toString();
    return this.#call('GET', `/solutions/${enc(name)}/models${qs ? `?${qs}` : ''}`);
  }
  async solutionEntities(name: string): Promise<string[]> {
    return (await this.#call<{ entities: string[] }>('GET', `/solutions/${enc(name)}/entities`)).entities;
  }

  // live views (Server-Sent Events, reconnecting: see live.ts)
  solutionEvents(
    name: string,
    query: { history?: number; entity?: string } = {},
    signal?: AbortSignal,
  ): AsyncGenerator<ServerSentEvent> {
    return followSolution(this.#live(signal), name, query);
  }
  tailTopic(
    topic: string,
    query: { offset?: number; time?: number; back?: number; partition?: number; consumerId?: string } = {},
    signal?: AbortSignal,
  ): AsyncGenerator<ServerSentEvent> {
    return tailTopic(this.#live(signal), topic, query);
  }
  listConsumerGroups(): Promise<{ groups: T.ConsumerGroupLag[] }> {
    return this.#call('GET', '/consumer-groups');
  }
  listTrainings(): Promise<{ trainings: T.TrainingSummary[] }> {
    return this.#call('GET', '/trainings');
  }
  // AiMS (admin)
  aimsOverview(): Promise<A.AimsOverview> {
    return this.#call('GET', '/aims');
  }
  setActivation(
    request: A.ActivationRequest,
  ): Promise<{ active: boolean; consumers: string[]; topics: string[] }> {
    return this.#call('POST', '/aims/activation', request);
  }
  aimsRules(): Promise<A.AimsRules> {
    return this.#call('GET', '/aims/rules');
  }
  setAimsRules(change: A.AimsRulesChange): Promise<A.AimsRules> {
    return this.#call('PUT', '/aims/rules', change);
  }
  runAimsRules(): Promise<A.AimsRun> {
    return this.#call('POST', '/aims/rules/run');
  }
  whoAmI(): Promise<{ role: string; tokenId: string }> {
    return this.#call('GET', '/session');
  }
  #live(signal?: AbortSignal): LiveOptions {
    return {
      url: this.#base.slice(0, -'/v1'.length),
      ...(this.#token !== undefined ? { token: this.#token } : {}),
      fetch: this.#fetch,
      ...(signal !== undefined ? { signal } : {}),
    };
  }

  // server and tokens
  status(): Promise<T.ServerStatus> {
    return this.#call('GET', '/status');
  }
  createToken(role: T.Role, label?: string, expiresInSeconds?: number): Promise<T.CreateTokenResponse> {
    return this.#call('POST', '/tokens', {
      role,
      ...(label ? { label } : {}),
      ...(expiresInSeconds !== undefined ? { expiresInSeconds } : {}),
    });
  }
  rotateToken(id: string, graceSeconds = 0): Promise<T.RotateTokenResponse> {
    return this.#call('POST', `/tokens/${enc(id)}/rotate`, { graceSeconds });
  }
  async listTokens(): Promise<T.TokenInfo[]> {
    return (await this.#call<{ tokens: T.TokenInfo[] }>('GET', '/tokens')).tokens;
  }
  revokeToken(id: string): Promise<T.TokenInfo> {
    return this.#call('DELETE', `/tokens/${enc(id)}`);
  }

  /** `body` is sent as JSON, or as it is when `contentType` names another type (YAML text). */
  async #call<R>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<R> {
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
    // POSTs without a body still send `{}`: Fastify refuses an empty body with a JSON content type.
    const payload = body !== undefined ? body : method === 'POST' || method === 'PATCH' ? {} : undefined;
    if (payload !== undefined) headers['content-type'] = contentType;
    let response: Response;
    try {
      response = await this.#fetch(this.#base + path, {
        method,
        headers,
        ...(payload !== undefined
          ? { body: contentType === 'application/json' ? JSON.stringify(payload) : String(payload) }
          : {}),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      throw new TmlConnectionError(
        `cannot reach the tml server at ${this.#base}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw new TmlConnectionError(
        `the server at ${this.#base} answered ${response.status} with something that is not JSON`,
      );
    }
    if (!response.ok) {
      const problem = parsed as Partial<T.Problem> | undefined;
      throw new TmlApiError({
        type: problem?.type ?? 'about:blank',
        title: problem?.title ?? response.statusText,
        status: response.status,
        detail: problem?.detail ?? `HTTP ${response.status}`,
        code: problem?.code ?? `HTTP_${response.status}`,
        ...(problem?.parameter !== undefined ? { parameter: problem.parameter } : {}),
        ...(problem?.instance !== undefined ? { instance: problem.instance } : {}),
      });
    }
    return parsed as R;
  }
}
