// Type declarations of the ipcd client (index.js, index.mjs).

/// <reference types="node" />

/** The socket used when neither options.socket nor $IPCD_SOCKET is given. */
export declare const DEFAULT_SOCKET: '/run/ipcd/ipcd.sock';

/** The request size limit used while the daemon has not told its own (ipcd's default max_message). */
export declare const DEFAULT_MAX_MESSAGE: 1048576;

export interface ConnectOptions {
  /** The daemon's socket; default $IPCD_SOCKET, else DEFAULT_SOCKET. */
  socket?: string;
  /** Default timeout of every submit() in ms, sent to ipcd and enforced locally; 0: none. */
  timeout?: number;
  /** The largest request body sent when the daemon's PONG does not give max_message; default 1 MiB. */
  maxMessage?: number;
}

export interface RequestOptions {
  /** Give up after this many ms (locally only), rejecting with code 'timeout'. */
  timeout?: number;
  /** Give up when it fires, rejecting with code 'aborted' (the signal's reason as cause). */
  signal?: AbortSignal;
}

export interface SubmitOptions extends RequestOptions {
  /** The pool to run the job in; default the pool that lists the task, else the built-in pool. */
  pool?: string;
  /**
   * Milliseconds the job may run on a worker, sent as SUBMIT's "timeout" and enforced locally from
   * the moment of submit() (0: no limit); default the connect() timeout, else ipcd's job_timeout.
   */
  timeout?: number;
}

export interface PoolOptions extends RequestOptions {
  /** The pool; default all pools (status) or the built-in pool (scale). */
  pool?: string;
}

/** One worker slot in a STATUS reply (doc/PROTOCOL.md 5.4). */
export interface WorkerStatus {
  pool: string;
  pid: number;
  state: 'empty' | 'starting' | 'ready' | 'retiring' | 'exiting' | string;
  jobs: number;
  window: number;
  busy_ms: number;
  done: number;
  restarts: number;
  rss: number;
  age_ms: number;
  [key: string]: unknown;
}

/** One pool in a STATUS reply. */
export interface PoolStatus {
  name: string;
  protocol: 'builtin' | 'ipcd' | 'node' | string;
  command: string;
  size: number;
  ready: number;
  queue: number;
  queue_limit: number;
  done: number;
  failed: number;
  timed_out: number;
  retried: number;
  deaths: number;
  degraded: boolean;
  [key: string]: unknown;
}

/** The STATUS reply without "v", "type" and "id". */
export interface Status {
  pid: number;
  version: string;
  uptime_ms: number;
  queue: number;
  queue_limit: number;
  done: number;
  failed: number;
  timed_out: number;
  retried: number;
  deaths: number;
  degraded: boolean;
  clients: number;
  held: number;
  workers: WorkerStatus[];
  pools: PoolStatus[];
  [key: string]: unknown;
}

/** The PONG without "v", "type" and "id". */
export interface Pong {
  version?: string;
  max_message?: number;
  [key: string]: unknown;
}

/**
 * A failed request. code is the protocol's ('busy', 'unknown_task', 'unknown_pool', 'bad_data',
 * 'timeout', 'worker_died', 'shutting_down', 'forbidden', ..., or a worker's own) or this
 * library's: 'closed', 'bad_reply', 'too_large', 'timeout', 'aborted'. message is the daemon's.
 */
export declare class IpcdError extends Error {
  constructor(code: string, message: string, options?: { cause?: unknown });
  readonly code: string;
  readonly name: 'IpcdError';
}

/** A MessagePack extension value other than the timestamp, as a worker sent it. */
export declare class Extension {
  constructor(type: number, data: Buffer);
  /** -128 to 127 */
  type: number;
  data: Buffer;
}

/** One connection to ipcd; any number of requests may be outstanding on it. */
export declare class Client {
  private constructor();
  /** The daemon's socket. */
  readonly path: string;
  /** The daemon's version, if its PONG told it. */
  readonly version: string | undefined;
  /** The daemon's max_message, if its PONG told it. */
  readonly maxMessage: number | undefined;
  /** True once the connection has ended. */
  readonly isClosed: boolean;
  /** Resolves, once the connection has ended, to the error that ended it; never rejects. */
  readonly closed: Promise<IpcdError>;
  /** Run task on data; resolves to the job's result. */
  submit<T = any>(task: string, data?: unknown, options?: SubmitOptions): Promise<T>;
  status(options?: PoolOptions): Promise<Status>;
  ping(options?: RequestOptions): Promise<Pong>;
  reload(options?: RequestOptions): Promise<void>;
  scale(count: number, options?: PoolOptions): Promise<void>;
  shutdown(options?: RequestOptions): Promise<void>;
  /** Close the connection; what is outstanding rejects with 'closed'. */
  close(): Promise<void>;
}

/** Connect to ipcd; resolves once it has answered a PING. */
export declare function connect(options?: ConnectOptions): Promise<Client>;
