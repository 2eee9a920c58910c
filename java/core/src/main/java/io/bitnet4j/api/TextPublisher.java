package io.bitnet4j.api;

import java.util.Objects;
import java.util.concurrent.Flow;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * A cold publisher of a generation's text: each subscription starts a request and reads it on a virtual
 * thread of its own, handing pieces to the subscriber as it requests them (the model keeps generating
 * meanwhile; the pieces wait in the request's pipe).
 */
final class TextPublisher implements Flow.Publisher<String> {

    private final Supplier<Generation> start;

    TextPublisher(Supplier<Generation> start) {
        this.start = start;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super String> subscriber) {
        Objects.requireNonNull(subscriber, "subscriber");
        Generation generation;
        try {
            generation = start.get();
        } catch (RuntimeException e) {
            subscriber.onSubscribe(new Flow.Subscription() {
                public void request(long n) { }

                public void cancel() { }
            });
            subscriber.onError(e);
            return;
        }
        Reader reader = new Reader(subscriber, generation);
        subscriber.onSubscribe(reader);
        Thread.ofVirtual().name("bitnet4j-publisher").start(reader::run);
    }

    /** One subscription: demand counted under a lock, the reading thread waiting for it. */
    private static final class Reader implements Flow.Subscription {
        private final Flow.Subscriber<? super String> subscriber;
        private final Generation generation;
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition changed = lock.newCondition();
        private long demand;
        private boolean cancelled;
        private IllegalArgumentException badRequest;

        Reader(Flow.Subscriber<? super String> subscriber, Generation generation) {
            this.subscriber = subscriber;
            this.generation = generation;
        }

        @Override
        public void request(long n) {
            lock.lock();
            try {
                // Reactive Streams rule 3.9: a non-positive request is an error signalled to the subscriber
                if (n <= 0 && badRequest == null) badRequest = new IllegalArgumentException("requested " + n + " items; must be > 0");
                else demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void cancel() {
            generation.cancel();
            lock.lock();
            try {
                cancelled = true;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        void run() {
            try {
                for (String piece = generation.nextPiece(); piece != null; piece = generation.nextPiece()) {
                    if (!awaitDemand()) return;
                    subscriber.onNext(piece);
                }
                if (!isCancelled()) subscriber.onComplete();
            } catch (BitnetException e) {
                if (!isCancelled()) subscriber.onError(e);
            } catch (InterruptedException e) {
                generation.cancel();
            }
        }

        /** Waits for demand and takes one; false when the subscription ended (cancelled or a bad request). */
        private boolean awaitDemand() throws InterruptedException {
            lock.lock();
            try {
                while (demand == 0 && !cancelled && badRequest == null) changed.await();
                if (cancelled) return false;
                if (badRequest != null) {
                    generation.cancel();
                    cancelled = true;
                    subscriber.onError(badRequest);
                    return false;
                }
                demand--;
                return true;
            } finally {
                lock.unlock();
            }
        }

        private boolean isCancelled() {
            lock.lock();
            try {
                return cancelled;
            } finally {
                lock.unlock();
            }
        }
    }
}
