export * from './types';
export { LocalBus } from './LocalBus';
export { NatsBus } from './NatsBus';
export { subjectMatches } from './subjectMatch';
