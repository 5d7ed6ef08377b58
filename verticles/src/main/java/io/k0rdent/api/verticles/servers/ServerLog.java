package io.k0rdent.api.verticles.servers;

import io.k0rdent.api.core.resource.Clock;
import io.k0rdent.api.core.server.ServerLogEntry;
import io.k0rdent.api.core.server.ServerLogEntry.Severity;
import io.k0rdent.api.core.store.ServerStore;
import io.vertx.core.Future;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One server's log as a worker writes it (read back with {@code getServerLogs}): entries are appended in order, one
 * store write after the other, and a failed write is reported to the process log rather than stopping the work.
 * {@link #flushed()} completes when everything written so far is stored.
 */
final class ServerLog {

  private static final Logger LOG = LoggerFactory.getLogger(ServerLog.class);

  private final ServerStore store;
  private final UUID server;
  private final String serverId;
  private volatile String jobId;
  private Future<Void> tail = Future.succeededFuture();

  ServerLog(ServerStore store, UUID server, String serverId) {
    this.store = store;
    this.server = server;
    this.serverId = serverId;
  }

  /** Entries from now on belong to provisioning job {@code jobId} (null: none). */
  void job(String jobId) {
    this.jobId = jobId;
  }

  void debug(String message) {
    write(Severity.DEBUG, message);
  }

  void info(String message) {
    write(Severity.INFO, message);
  }

  void warning(String message) {
    write(Severity.WARNING, message);
  }

  void error(String message) {
    write(Severity.ERROR, message);
  }

  synchronized void write(Severity severity, String message) {
    ServerLogEntry e = ServerLogEntry.of(Clock.now(), severity, message, jobId);
    if (severity != Severity.DEBUG) {
      LOG.info("server {}: {}", serverId, message);
    }
    tail = tail.compose(v -> store.appendLog(server, List.of(e))).recover(err -> {
      LOG.warn("server {}: log entry not stored ({}): {}", serverId, err.getMessage(), message);
      return Future.succeededFuture();
    });
  }

  synchronized Future<Void> flushed() {
    return tail;
  }
}
