package io.k0rdent.api.verticles.servers;

import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.resource.Clock;
import io.k0rdent.api.core.server.BmcProbe;
import io.k0rdent.api.core.server.CredentialCipher;
import io.k0rdent.api.core.store.ServerStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker verticle (deploy with {@code ThreadingModel.WORKER}) that drives bare-metal servers through their
 * lifecycle: it looks for servers needing work ({@link ServerStore#needingWork}) every
 * {@link WorkerOptions#scanInterval()} and whenever the API announces a change on {@link BmcProbe#WAKE_ADDRESS},
 * takes each one's lease ({@link ServerStore#acquire}), renews it every third of its length while a
 * {@link ServerDrive} runs the server's phases and power requests, and gives it up when the server needs nothing
 * more. Many servers are driven at once (every BMC conversation is asynchronous). Leases, not this verticle,
 * guarantee that one worker drives a server at a time, cluster-wide.
 */
public final class ServerWorker extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ServerWorker.class);
  /** Servers taken per scan at most. */
  static final int SCAN_BATCH = 64;

  private final ServerStore store;
  private final CredentialCipher cipher;
  private final WorkerOptions options;
  private final String holder;
  private final Map<UUID, ServerDrive> active = new ConcurrentHashMap<>();
  /** Servers whose last drive failed unexpectedly: not taken again before this {@link System#nanoTime()}. */
  private final Map<UUID, Long> cooldown = new ConcurrentHashMap<>();
  private final Map<UUID, Long> failures = new ConcurrentHashMap<>();
  private volatile boolean halted;
  private volatile boolean crashed;
  private long scanTimer = -1;
  private MessageConsumer<String> wake;
  private boolean scanning;
  private boolean again;

  /**
   * @param cipher opens the BMC credentials; null when no key is configured (then every phase fails saying so)
   * @param node   this node's name, part of the lease holder's name ({@code <node>/<random>}) shown in logs
   */
  public ServerWorker(ServerStore store, CredentialCipher cipher, WorkerOptions options, String node) {
    this.store = store;
    this.cipher = cipher;
    this.options = options;
    this.holder = node + "/" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** The lease holder name of this worker. */
  public String holder() {
    return holder;
  }

  @Override
  public Future<?> start() {
    scanTimer = vertx.setPeriodic(options.scanInterval().toMillis(), id -> scan());
    wake = vertx.eventBus().consumer(BmcProbe.WAKE_ADDRESS, m -> scan());
    return wake.completion().onSuccess(v -> scan());
  }

  /**
   * Stops looking for work and gives up the leases it holds (the servers' phases stop where they are; a worker that
   * takes them over resumes them or fails them, as after a crash).
   */
  @Override
  public Future<?> stop() {
    halted = true;
    vertx.cancelTimer(scanTimer);
    Future<Void> unregistered = wake == null ? Future.succeededFuture() : wake.unregister();
    if (crashed) {
      return unregistered;
    }
    var releases = active.values().stream().map(ServerDrive::release).toList();
    return unregistered.compose(v -> Future.join(releases)).otherwiseEmpty();
  }

  /**
   * Simulates this node dying (tests): from now on the worker writes nothing, renews nothing and releases nothing,
   * so its leases run out and another node takes its servers over.
   */
  public void crash() {
    crashed = true;
    halted = true;
    active.values().forEach(ServerDrive::halt);
  }


  private void scan() {
    if (halted) {
      return;
    }
    if (scanning) {
      again = true;
      return;
    }
    scanning = true;
    store.needingWork(Clock.now(), SCAN_BATCH).onComplete(ar -> {
      if (ar.succeeded()) {
        ar.result().forEach(s -> take(s.uid()));
      } else {
        LOG.warn("looking for servers needing work failed: {}", ar.cause().getMessage());
      }
      scanning = false;
      if (again) {
        again = false;
        scan();
      }
    });
  }

  private void take(UUID uid) {
    Long until = cooldown.get(uid);
    if (until != null && until > System.nanoTime()) {
      return;
    }
    ServerDrive drive = new ServerDrive(vertx, store, cipher, options, holder, uid);
    if (halted || active.putIfAbsent(uid, drive) != null) {
      return;
    }
    store.acquire(uid, holder, options.lease(), Clock.now()).onComplete(ar -> {
      if (ar.failed() || ar.result() == null || halted) {
        active.remove(uid);
        if (ar.failed()) {
          LOG.warn("taking the lease of server {} failed: {}", uid, ar.cause().getMessage());
        } else if (ar.result() != null) {
          store.release(uid, holder, ar.result().token());
        }
        return;
      }
      drive.run(ar.result()).onComplete(done -> {
        active.remove(uid);
        if (done.failed()) {
          // not again at once: a server this worker cannot drive must not make it spin (doubling, at most a minute)
          long pause = Math.min(60_000, Math.max(options.scanInterval().toMillis(),
              2 * failures.merge(uid, 1L, Long::sum) * options.scanInterval().toMillis()));
          cooldown.put(uid, System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(pause));
          if (!(done.cause() instanceof ApiException a && a.status() == 503)) {
            LOG.error("driving server {} failed; trying again in {} ms", uid, pause, done.cause());
          }
        } else {
          cooldown.remove(uid);
          failures.remove(uid);
        }
        if (!halted) {
          vertx.setTimer(1, t -> scan()); // more may have arrived meanwhile
        }
      });
    });
  }
}
