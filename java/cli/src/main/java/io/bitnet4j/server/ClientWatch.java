package io.bitnet4j.server;

import org.eclipse.jetty.io.AbstractEndPoint;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CancellationException;

/**
 * Notices that a client has closed its connection while its request waits or is generated, without writing to it.
 *
 * <p>Jetty reads an HTTP/1.1 connection only while the handler reads the request body, and again once
 * the response is complete; in between, a closed connection goes unseen (no failure listener runs) until a
 * write fails or the idle timeout expires, and a non-streaming answer writes nothing until its end. So
 * once the body has been read, this asks the connection's {@link EndPoint} to call back when the
 * connection becomes readable (as Jetty's own connection does when it waits for a request), then fills
 * from it: end of stream (a client that shuts down only its sending side counts as gone too),
 * or an error, means the client has gone and {@code onGone} runs. Bytes mean the
 * client sent its next request before this answer (pipelining): they are dropped and
 * {@link #pipelined()} asks for the answer to close the connection, which such a client must expect
 * (RFC 9112 9.3.2: it retries what was not answered).
 *
 * <p>{@link #close} withdraws the interest; it must run before the response completes, when the connection
 * registers its own. Without an endpoint whose interest can be withdrawn nothing is watched, and a
 * disconnect is seen at the next failed write as before.
 */
final class ClientWatch implements Callback, AutoCloseable {

    private final AbstractEndPoint endPoint;
    private final Runnable onGone;
    private final ByteBuffer scratch = BufferUtil.allocate(512);
    private boolean watching; // guarded by this
    private volatile boolean gone;
    private volatile boolean pipelined;

    private ClientWatch(AbstractEndPoint endPoint, Runnable onGone) {
        this.endPoint = endPoint;
        this.onGone = onGone;
    }

    /** Starts watching the request's connection; its body must have been read to the end. */
    static ClientWatch start(Request request, Runnable onGone) {
        EndPoint ep = request.getConnectionMetaData().getConnection().getEndPoint();
        ClientWatch watch = new ClientWatch(ep instanceof AbstractEndPoint a ? a : null, onGone);
        if (watch.endPoint != null) {
            synchronized (watch) {
                watch.watching = watch.endPoint.tryFillInterested(watch);
            }
        }
        return watch;
    }

    /** The client closed (or reset) its connection. */
    boolean gone() {
        return gone;
    }

    /** The client sent more while waiting: the answer should close the connection. */
    boolean pipelined() {
        return pipelined;
    }

    /** The connection is readable. */
    @Override
    public void succeeded() {
        synchronized (this) {
            if (!watching) return;
            try {
                int n;
                while ((n = fillScratch()) > 0) pipelined = true;
                if (n == 0) {
                    watching = endPoint.tryFillInterested(this);
                    return;
                }
            } catch (IOException e) {
                // a reset connection: gone as well
            }
            watching = false;
            gone = true;
        }
        onGone.run();
    }

    private int fillScratch() throws IOException {
        BufferUtil.clear(scratch);
        return endPoint.fill(scratch);
    }

    /** The connection was closed under the watch (or {@link #close} withdrew it). */
    @Override
    public void failed(Throwable cause) {
        synchronized (this) {
            if (!watching) return;
            watching = false;
            gone = true;
        }
        onGone.run();
    }

    @Override
    public synchronized void close() {
        if (!watching) return;
        watching = false;
        // our callback is the one registered: the connection registers none while its request is handled
        endPoint.getFillInterest().onFail(new CancellationException("answered"));
    }
}
