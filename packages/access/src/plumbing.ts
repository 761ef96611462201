/**
 * For the subgraph plumbing only (@hub/service-kit subgraph.ts): opening a request's door and
 * reading what it reported. Resolvers get the door from their context and never need this.
 */
export { openDoor } from './door.ts';
