package io.k0rdent.api.core.server;

import io.vertx.core.Future;
import java.util.List;

/**
 * Checks a server's BMC now, without changing anything (upstream {@code validateServer}): the stored credentials
 * open, the BMC answers and accepts them, and it advertises a host system with a reset action and boot settings.
 * Implemented over Redfish in the verticles module.
 */
@FunctionalInterface
public interface BmcProbe {

  /** The problems found, each a sentence an operator can act on; empty when the server is valid. Never fails. */
  Future<List<String>> validate(Server server);

  /** The event-bus address (clustered) on which a change that needs a worker is announced (the server's uid). */
  String WAKE_ADDRESS = "k0rdent.servers.wake";
}
