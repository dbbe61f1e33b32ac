// The ES module face of index.js: the same objects.
import ipcd from './index.js';

export const { connect, Client, IpcdError, Extension, DEFAULT_SOCKET, DEFAULT_MAX_MESSAGE } = ipcd;
