/**
 * The official pusher-js Node build, typed. Its CommonJS entry exposes the class as `default`, which
 * TypeScript's NodeNext view of the package does not see, hence the cast.
 */
import PusherJsModule from 'pusher-js';

type PusherCtor = typeof import('pusher-js/types/src/core/pusher.js')['default'];
export type PusherJs = InstanceType<PusherCtor>;
export const PusherJs = PusherJsModule as unknown as PusherCtor;
