// A TCP port that was free a moment ago, for servers a test starts: the service's own helper.
export { freePort } from '../../src/net/freePort';
