package io.k0rdent.api.verticles.servers;

import io.k0rdent.api.core.server.BmcProbe;
import io.k0rdent.api.core.server.CredentialCipher;
import io.k0rdent.api.core.server.Server;
import io.k0rdent.api.verticles.redfish.BmcEndpoint;
import io.k0rdent.api.verticles.redfish.RedfishClient;
import io.k0rdent.api.verticles.redfish.RedfishOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link BmcProbe} over Redfish (upstream {@code validateServer}): opens the stored credentials, logs in to the BMC,
 * finds the host system and checks that it advertises a reset action and boot-override targets; logs out. Read-only.
 */
public final class RedfishProbe implements BmcProbe {

  private final Vertx vertx;
  private final CredentialCipher cipher;
  private final RedfishOptions options;

  public RedfishProbe(Vertx vertx, CredentialCipher cipher, RedfishOptions options) {
    this.vertx = vertx;
    this.cipher = cipher;
    this.options = options;
  }

  @Override
  public Future<List<String>> validate(Server server) {
    List<String> errors = new ArrayList<>();
    if (cipher == null) {
      return Future.succeededFuture(List.of("no servers.credentialKey is configured, so the BMC credentials cannot "
          + "be opened"));
    }
    CredentialCipher.Credentials creds;
    try {
      creds = cipher.open(server.uid(), server.bmc().sealedCredentials());
    } catch (IllegalArgumentException e) {
      return Future.succeededFuture(List.of(e.getMessage()));
    }
    RedfishClient client;
    try {
      client = RedfishClient.create(vertx, new BmcEndpoint(server.bmc().address(), creds.username(),
          creds.password(), server.bmc().certificateSha256(), server.bmc().insecure()), options, line -> { });
    } catch (RuntimeException e) {
      return Future.succeededFuture(List.of("BMC " + server.bmc().address() + " cannot be reached as configured: "
          + ServerDrive.redact(e.getMessage(), creds.password())));
    }
    return client.login().compose(v -> client.hostSystem()).map(sys -> {
      if (sys.resetTypes().isEmpty()) {
        errors.add("the host system " + sys.odataId() + " advertises no ResetType values");
      }
      if (sys.bootTargets().isEmpty()) {
        errors.add("the host system " + sys.odataId() + " advertises no boot-override targets");
      }
      return errors;
    }).recover(err -> {
      errors.add("BMC " + server.bmc().address() + ": " + ServerDrive.redact(err.getMessage() == null ? err.toString()
          : err.getMessage(), creds.password()));
      return Future.succeededFuture(errors);
    }).eventually(client::logout);
  }
}
