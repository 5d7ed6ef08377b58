package io.k0rdent.api.verticles.servers;

import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.resource.Clock;
import io.k0rdent.api.core.server.CredentialCipher;
import io.k0rdent.api.core.server.Server;
import io.k0rdent.api.core.server.ServerState;
import io.k0rdent.api.core.server.Transition;
import io.k0rdent.api.core.store.ServerStore;
import io.k0rdent.api.verticles.redfish.BmcEndpoint;
import io.k0rdent.api.verticles.redfish.HardwareInspection;
import io.k0rdent.api.verticles.redfish.HostSystem;
import io.k0rdent.api.verticles.redfish.PowerTarget;
import io.k0rdent.api.verticles.redfish.RedfishClient;
import io.k0rdent.api.verticles.redfish.RedfishClient.RedfishException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * One worker's hold on one server, from taking its lease to giving it up: runs the server's working-state phases
 * one after the other (enrolling may go on to inspecting, deprovisioning to cleaning) and its pending power request,
 * then stops. Every write is fenced by the lease token ({@link ServerStore#updateFenced}) and re-applied to the
 * stored version when an operator changed something meanwhile; a phase whose state an operator changed (abort) is
 * abandoned. Every step, transition and BMC call goes to the server's log.
 *
 * <p>Phases (each a fresh Redfish conversation, logged in and out):
 * <ul>
 *   <li>{@code enrolling}: log in, find the host system, read power and health;</li>
 *   <li>{@code inspecting}: {@code hardwareSpecs} from the BMC's inventory;</li>
 *   <li>{@code cleaning}, {@code deprovisioning}: power off (send, then poll), eject virtual media;</li>
 *   <li>{@code provisioning}: insert {@code osImage} as virtual media (else network boot), boot override
 *       {@code Cd}/{@code Pxe} once, power on or restart (send, then poll);</li>
 *   <li>{@code deleting}: the server is deleted (nothing is sent to the BMC).</li>
 * </ul>
 * A transient failure (BMC unreachable, 5xx, time-out after the client's own retries) repeats the phase up to
 * {@link WorkerOptions#phaseRetries()} times with doubling back-off; any other failure moves the server to the
 * phase's failed state with {@code lastError}. A server found mid-phase (its {@code step} set: the previous worker
 * stopped) has its phase run again where {@link ServerState#resumable()} says that is safe, else it goes to the
 * failed state saying why.
 */
final class ServerDrive {

  /** The server's state changed under us (abort, deletion, lease lost, halt): stop quietly. */
  static final class Abandoned extends RuntimeException {
    Abandoned(String message) {
      super(message, null, false, false);
    }
  }

  private static final int MAX_WRITE_ATTEMPTS = 5;

  private final Vertx vertx;
  private final ServerStore store;
  private final CredentialCipher cipher;
  private final WorkerOptions options;
  private final String holder;
  private final UUID uid;
  private final AtomicBoolean halted = new AtomicBoolean();
  private final AtomicBoolean lost = new AtomicBoolean();
  private ServerStore.Lease lease;
  private Server current;
  private ServerLog log;
  private long renewTimer = -1;
  /** When the running phase's state was entered ({@link Server#stateChangedAt()}). */
  private Instant phaseStart;

  ServerDrive(Vertx vertx, ServerStore store, CredentialCipher cipher, WorkerOptions options, String holder, UUID uid) {
    this.vertx = vertx;
    this.store = store;
    this.cipher = cipher;
    this.options = options;
    this.holder = holder;
    this.uid = uid;
  }

  void halt() {
    halted.set(true);
    vertx.cancelTimer(renewTimer);
  }

  private boolean stopped() {
    return halted.get() || lost.get();
  }

  /** Gives the lease up (graceful stop). */
  Future<Void> release() {
    halt();
    return lease == null ? Future.succeededFuture() : store.release(uid, holder, lease.token());
  }

  /** Drives the server under {@code lease} until it needs nothing more, then releases the lease. */
  Future<Void> run(ServerStore.Lease lease) {
    this.lease = lease;
    long every = Math.max(100, options.lease().toMillis() / 3);
    renewTimer = vertx.setPeriodic(every, id -> {
      if (halted.get()) {
        vertx.cancelTimer(id);
        return;
      }
      store.renew(uid, holder, lease.token(), options.lease(), Clock.now()).onSuccess(ok -> {
        if (!ok) {
          lost.set(true);
          vertx.cancelTimer(id);
        }
      });
    });
    return store.byUid(uid).compose(s -> {
      if (s == null) {
        return Future.succeededFuture();
      }
      current = s;
      log = new ServerLog(store, uid, s.id());
      return loop(true);
    }).recover(err -> err instanceof Abandoned a ? abandoned(a) : Future.failedFuture(err))
        .eventually(() -> {
          vertx.cancelTimer(renewTimer);
          Future<Void> flushed = log == null ? Future.succeededFuture() : log.flushed();
          return halted.get() ? flushed : flushed.compose(v -> store.release(uid, holder, lease.token()));
        });
  }

  private Future<Void> abandoned(Abandoned a) {
    if (log != null && !halted.get()) {
      log.info("worker " + holder + " stops: " + a.getMessage());
    }
    return Future.succeededFuture();
  }

  private Future<Void> loop(boolean first) {
    if (stopped()) {
      return Future.succeededFuture();
    }
    Future<Server> fresh = first ? Future.succeededFuture(current) : store.byUid(uid);
    return fresh.compose(s -> {
      if (s == null) {
        return Future.succeededFuture();
      }
      current = s;
      if (s.maintenance().on()) {
        return Future.succeededFuture();
      }
      if (s.state().working()) {
        return phase(s, first).compose(v -> loop(false));
      }
      if (s.power().requested() != null) {
        return power(s.power().requested()).compose(v -> loop(false));
      }
      return Future.succeededFuture();
    });
  }

  // ---------------------------------------------------------------- writes

  /**
   * Applies {@code change} to the server as stored and writes it under the lease; when an operator changed the
   * server meanwhile (412) it is applied again to the new version. {@code change} throws {@link Abandoned} when the
   * server is no longer as the work needs it.
   */
  private Future<Server> update(Function<Server, Server> change) {
    return update(change, 1);
  }

  private Future<Server> update(Function<Server, Server> change, int attempt) {
    if (stopped()) {
      return Future.failedFuture(new Abandoned(halted.get() ? "halted" : "the lease was lost"));
    }
    Server next;
    try {
      next = change.apply(current);
    } catch (Abandoned a) {
      return Future.failedFuture(a);
    }
    if (next == current) {
      return Future.succeededFuture(current);
    }
    return store.updateFenced(next, holder, lease.token()).map(stored -> {
      current = stored;
      return stored;
    }).recover(err -> {
      if (err instanceof ApiException a && a.status() == 409 && "LEASE_LOST".equals(a.reason())) {
        lost.set(true);
        return Future.failedFuture(new Abandoned("another worker holds the server now"));
      }
      if (err instanceof ApiException a && (a.status() == 412 || a.status() == 404) && attempt < MAX_WRITE_ATTEMPTS) {
        return store.byUid(uid).compose(s -> {
          if (s == null) {
            return Future.failedFuture(new Abandoned("the server was deleted"));
          }
          current = s;
          return update(change, attempt + 1);
        });
      }
      return Future.failedFuture(err);
    });
  }

  /**
   * {@code change} for a server still in the phase this drive runs: in {@code state}, entered at
   * {@link #phaseStart} (an operator's abort followed by the same action again is another phase); else the work is
   * abandoned.
   */
  private Function<Server, Server> inState(ServerState state, Function<Server, Server> change) {
    Instant start = phaseStart;
    return s -> {
      if (s.state() != state || !s.stateChangedAt().equals(start)) {
        throw new Abandoned(s.state() != state ? "the server is " + s.state().wire() + " now, no longer " + state.wire()
            : state.wire() + " was started again by an operator");
      }
      return change.apply(s);
    };
  }

  private Future<Server> step(ServerState state, String step) {
    log.info(state.wire() + ": " + step);
    return update(inState(state, s -> s.withStep(step, Clock.now())));
  }

  // ---------------------------------------------------------------- phases

  private Future<Void> phase(Server s, boolean first) {
    ServerState state = s.state();
    phaseStart = s.stateChangedAt();
    log.job(state == ServerState.PROVISIONING && s.provisioning() != null ? s.provisioning().jobId() : null);
    if (first && s.step() != null) {
      String who = lease.previousHolder() != null ? "worker " + lease.previousHolder() : "the previous worker";
      if (!state.resumable()) {
        String why = state.wire() + " was interrupted: " + who + " stopped during step '" + s.step()
            + "' and a half-done " + state.wire() + " is not repeated automatically; the BMC may be half-configured "
            + "(allowed now: " + String.join(", ", state.failedState().actions().stream().map(a -> a.wire()).toList())
            + ")";
        log.error(why);
        return fail(state, why);
      }
      log.warning("resuming " + state.wire() + " from its start: " + who + " stopped during step '" + s.step() + "'");
    } else {
      log.info("worker " + holder + " starts " + state.wire());
    }
    if (state == ServerState.DELETING) {
      return step(state, "delete").compose(x -> log.flushed())
          .compose(v -> store.deleteFenced(uid, holder, lease.token()))
          .recover(err -> err instanceof ApiException a && a.status() == 404 ? Future.succeededFuture()
              : Future.failedFuture(err));
    }
    return attempt(state, 0);
  }

  private Future<Void> attempt(ServerState state, int retry) {
    Future<Void> work;
    try {
      work = bmcWork(state);
    } catch (RuntimeException e) {
      work = Future.failedFuture(e); // whatever the worker cannot do ends the phase, never a retry loop
    }
    return work.compose(v -> succeed(state)).recover(err -> {
      if (err instanceof Abandoned) {
        return Future.failedFuture(err);
      }
      String message = message(err);
      if (transientFailure(err) && retry < options.phaseRetries()) {
        long delay = options.retryBackoff().toMillis() << retry;
        log.warning(state.wire() + " failed for a transient reason (" + message + "); trying again in " + delay
            + " ms (retry " + (retry + 1) + " of " + options.phaseRetries() + ")");
        return vertx.timer(delay).compose(t -> store.byUid(uid)).compose(s -> {
          if (s == null) {
            return Future.failedFuture(new Abandoned("the server was deleted"));
          }
          current = s;
          if (s.state() != state || !s.stateChangedAt().equals(phaseStart)) {
            return Future.failedFuture(new Abandoned("the server is " + s.state().wire() + " now, since "
                + s.stateChangedAt()));
          }
          return attempt(state, retry + 1);
        });
      }
      log.error(state.wire() + " failed: " + message);
      return fail(state, message);
    });
  }

  /** {@code text} with every occurrence of {@code secret} replaced by {@code ***}. */
  static String redact(String text, String secret) {
    return text == null || secret == null || secret.isEmpty() ? text : text.replace(secret, "***");
  }

  private static boolean transientFailure(Throwable err) {
    return err instanceof RedfishException r && r.kind() == RedfishException.Kind.TRANSIENT;
  }

  private static String message(Throwable err) {
    return err.getMessage() == null ? err.getClass().getSimpleName() : err.getMessage();
  }

  /** The phase's end: its log entries are stored first, so whoever sees the new state can read why. */
  private Future<Void> succeed(ServerState state) {
    return log.flushed().compose(v -> update(inState(state, s -> s.apply(Transition.succeeded(state,
            s.inspectAfterEnroll()), Clock.now()))))
        .map(s -> {
          log.info(state.wire() + " done: now " + s.state().wire());
          return (Void) null;
        });
  }

  private Future<Void> fail(ServerState state, String why) {
    return log.flushed().compose(v -> update(inState(state, s -> s.apply(Transition.failed(state, why), Clock.now()))))
        .mapEmpty();
  }

  /** A Redfish conversation with the server's BMC: {@code work} between log-in and log-out. */
  private <T> Future<T> withBmc(Function<RedfishClient, Future<T>> work) {
    Server s = current;
    CredentialCipher.Credentials creds;
    try {
      if (cipher == null) {
        throw new IllegalArgumentException("no servers.credentialKey is configured on this node, so the stored BMC "
            + "credentials cannot be opened");
      }
      creds = cipher.open(s.uid(), s.bmc().sealedCredentials());
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(new RedfishException(RedfishException.Kind.PERMANENT, e.getMessage()));
    }
    String password = creds.password();
    RedfishClient client;
    try {
      client = RedfishClient.create(vertx, new BmcEndpoint(s.bmc().address(), creds.username(), password,
          s.bmc().certificateSha256(), s.bmc().insecure()), options.redfish(), line -> log.debug(redact(line, password)));
    } catch (RuntimeException e) {
      return Future.failedFuture(new RedfishException(RedfishException.Kind.PERMANENT,
          "the BMC cannot be reached as configured: " + redact(message(e), password)));
    }
    // a BMC may echo what it was sent in its error messages: never let the password through to lastError or the log
    return client.login().compose(v -> work.apply(client)).eventually(client::logout)
        .recover(err -> Future.failedFuture(err instanceof RedfishException r
            ? new RedfishException(r.kind(), redact(message(r), password)) : err));
  }

  private Future<Void> bmcWork(ServerState state) {
    return switch (state) {
      case ENROLLING -> withBmc(c -> step(state, "find-system").compose(x -> c.hostSystem())
          .compose(sys -> health(c, sys).compose(h -> update(inState(state, s -> s.withStatus(
              new Server.Power(sys.powerState(), s.power().requested()), s.maintenance(), h, s.lastError(),
              Clock.now())))).map(x -> {
                log.info("host system " + sys.odataId() + ": power " + sys.powerState() + ", reset types "
                    + sys.resetTypes());
                return (Void) null;
              })));
      case INSPECTING -> withBmc(c -> step(state, "inspect").compose(x -> c.inspect()).compose(specs -> {
        JsonObject hw = specs.json();
        log.info("inspection found " + summary(specs));
        return update(inState(state, s -> s.withHardware(hw, Clock.now()))).mapEmpty();
      }));
      case CLEANING, DEPROVISIONING -> withBmc(c -> step(state, "power-off").compose(x -> c.hostSystem())
          .compose(sys -> c.setPower(sys, PowerTarget.OFF).compose(v -> observed("Off"))
              .compose(v -> step(state, "eject-media")).compose(x -> c.ejectMedia(sys).recover(err -> {
                if (err instanceof RedfishException r && r.kind() == RedfishException.Kind.PERMANENT) {
                  log.info("no virtual media to eject: " + r.getMessage());
                  return Future.succeededFuture();
                }
                return Future.failedFuture(err);
              }))));
      case PROVISIONING -> provision();
      default -> Future.failedFuture(new IllegalStateException(state.wire() + " has no BMC work"));
    };
  }

  private Future<Void> provision() {
    ServerState state = ServerState.PROVISIONING;
    String image = current.provisioning() == null ? null : current.provisioning().osImage();
    if (image == null) {
      return Future.failedFuture(new RedfishException(RedfishException.Kind.PERMANENT,
          "no osImage was given (POST ...:provision with {\"osImage\": ...})"));
    }
    return withBmc(c -> c.hostSystem().compose(sys -> step(state, "insert-media")
        .compose(x -> c.insertMedia(sys, image).map(true).recover(err -> {
          if (err instanceof RedfishException r && r.kind() == RedfishException.Kind.PERMANENT) {
            log.warning("virtual media unusable (" + r.getMessage() + "); booting from the network (PXE) instead");
            return Future.succeededFuture(false);
          }
          return Future.failedFuture(err);
        }))
        .compose(media -> step(state, "boot-override").compose(x -> c.setBootOverride(sys,
            bootTarget(sys.bootTargets(), media ? "Cd" : "Pxe"), "Once")))
        .compose(v -> step(state, "power-on"))
        .compose(x -> c.powerState(sys))
        .compose(ps -> c.setPower(sys, "On".equals(ps) ? PowerTarget.REBOOT : PowerTarget.ON))
        .compose(v -> observed("On"))));
  }

  /** {@code wanted} when the BMC allows it or says nothing; else an allowed target containing it. */
  private static String bootTarget(List<String> allowed, String wanted) {
    if (allowed == null || allowed.isEmpty() || allowed.contains(wanted)) {
      return wanted;
    }
    return allowed.stream().filter(t -> t.contains(wanted)).findFirst().orElse(wanted);
  }

  private Future<Void> observed(String powerState) {
    return update(s -> powerState.equals(s.power().observed()) ? s : s.withStatus(
        new Server.Power(powerState, s.power().requested()), s.maintenance(), s.health(), s.lastError(),
        Clock.now())).mapEmpty();
  }

  private Future<Void> power(Server.PowerRequest request) {
    log.info("power request " + request.name() + " (target " + request.target() + ")");
    return withBmc(c -> c.hostSystem().compose(sys -> c.setPower(sys, switch (request) {
      case ON -> PowerTarget.ON;
      case OFF -> PowerTarget.OFF;
      case REBOOT -> PowerTarget.REBOOT;
    }))).transform(ar -> {
      String error = ar.succeeded() ? null : "power " + request.name() + " failed: " + message(ar.cause());
      if (ar.failed() && ar.cause() instanceof Abandoned a) {
        return Future.failedFuture(a);
      }
      if (error != null) {
        log.error(error);
      } else {
        log.info("power is " + request.target());
      }
      return log.flushed().compose(v -> update(s -> s.withStatus(
          new Server.Power(error == null ? request.target() : s.power().observed(),
              s.power().requested() == request ? null : s.power().requested()),
          s.maintenance(), s.health(), error, Clock.now()))).mapEmpty();
    });
  }

  // ---------------------------------------------------------------- rendering

  /** Upstream {@code healthStatus} from the system's Redfish {@code Status.Health} (OK, Warning, Critical). */
  private Future<Server.Health> health(RedfishClient c, HostSystem sys) {
    return c.get(sys.odataId()).map(json -> {
      JsonObject status = json == null ? null : json.getJsonObject("Status");
      String h = status == null ? null : status.getString("Health");
      Instant now = Clock.now();
      if (h == null) {
        return new Server.Health(null, now, List.of());
      }
      return switch (h) {
        case "OK" -> new Server.Health("healthy", now, List.of());
        case "Warning" -> new Server.Health("degraded", now, List.of("the BMC reports Status.Health Warning"));
        default -> new Server.Health("failed", now, List.of("the BMC reports Status.Health " + h));
      };
    });
  }

  private static String summary(HardwareInspection.HardwareSpecs specs) {
    return specs.cpu().count() + " × " + (specs.cpu().model() == null ? "CPU" : specs.cpu().model()) + " ("
        + specs.cpu().cores() + " cores), " + specs.ram().totalGiB() + " GiB RAM, " + specs.gpu().count()
        + " GPU" + (specs.gpu().count() == 1 ? "" : "s") + (specs.gpu().model() == null ? "" : " × " + specs.gpu().model())
        + ", " + specs.nics().size() + " NIC" + (specs.nics().size() == 1 ? "" : "s") + ", " + specs.disks().size()
        + " disk" + (specs.disks().size() == 1 ? "" : "s");
  }
}
