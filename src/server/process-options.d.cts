/** Types of process-options.cjs (plain CommonJS for ecosystem.config.js). */
export declare const NODE_ARGS: string[];
export declare function processEnv(env?: Record<string, string | undefined>): { MALLOC_ARENA_MAX: string };
