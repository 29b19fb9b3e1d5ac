// A Node.js event loop blocked by synchronous work (libuv waits in epoll_pwait).
//   sudo npx blocksnoop -- node examples/node_block.js
function busy(ms) {
  const end = Date.now() + ms;
  while (Date.now() < end);
}
setTimeout(() => busy(200), 200);
setTimeout(() => {}, 600);
