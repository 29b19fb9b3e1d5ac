// A Node.js event loop blocked by synchronous work (libuv waits in epoll_pwait).
//   sudo npx blocksnoop -- node examples/node_block.js
// performance.now(), not Date.now(): whole milliseconds would let busy(200) end after 199.1 ms.
function busy(ms) {
  const end = performance.now() + ms;
  while (performance.now() < end);
}
setTimeout(() => busy(200), 200);
setTimeout(() => {}, 600);
