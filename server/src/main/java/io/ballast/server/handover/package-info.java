/**
 * Restart without a refused connection: a running ballast hands its listening sockets to a new
 * ballast process over a Unix domain socket, file descriptors and all, and drains.
 *
 * <p>The listening socket itself moves, not its address: both processes hold the same kernel
 * socket for a moment, and its accept queue with it, so a connection that waits in the backlog
 * when the old process lets go is accepted by the new one instead of being reset (which is what
 * closing one of two SO_REUSEPORT sockets does to its own queue).
 *
 * <pre>
 *   new                                   old (serving, --handover-socket PATH)
 *   HELLO ballast-handover/1 &lt;pid&gt;   --&gt;
 *                                   &lt;--   REFUSED &lt;why&gt; (another take-over, or handed over)
 *                                   &lt;--   or SOCKETS &lt;n&gt;, then n x SOCKET &lt;kind&gt; &lt;address&gt; &lt;name&gt;
 *   SEND                             --&gt;
 *                                   &lt;--   n file descriptors, in that order (SCM_RIGHTS)
 *   (starts on them, accepts held)
 *   SERVING &lt;pid&gt; | ABORT &lt;why&gt;    --&gt;   (accepting from the shared sockets now)
 *                                   &lt;--   RELEASED (stopped accepting, PATH free; drains, exits)
 *   (serves handovers on PATH)
 * </pre>
 *
 * <p>The conversation is strictly turn by turn, so each side switches its socket between reading
 * bytes and reading file descriptors before it sends the line that makes the other side send
 * the other kind. Until it reads SERVING, the old process has changed nothing: any failure of the
 * new one (a refused config, a port it cannot bind, a timeout) leaves the old one serving.
 */
package io.ballast.server.handover;
