package io.k0rdent.api.verticles.redfish;

import java.net.URI;
import java.util.Locale;

/**
 * Where and how to reach one BMC (DSP0266 §8: a Redfish service at {@code <address>/redfish/v1}).
 *
 * @param address           {@code https://host[:port]} or {@code http://host[:port]}, no path (the port defaults
 *                          to 443 or 80)
 * @param username          the BMC account's user name
 * @param password          its password; never logged, never part of {@link #toString()} nor of an error message
 * @param certificateSha256 lowercase hex SHA-256 of the DER of the BMC's leaf certificate, to accept exactly that
 *                          certificate (hostname not checked: BMCs are reached by IP); null for none
 * @param insecure          trust any certificate, no hostname check (must be set on purpose); with neither this
 *                          nor a pin, the JVM's default trust store and hostname verification apply
 * @throws IllegalArgumentException when the address is not an http(s) URL without path, or the pin is not 64 hex
 *                                  digits
 */
public record BmcEndpoint(String address, String username, String password, String certificateSha256,
                          boolean insecure) {

  public BmcEndpoint {
    URI uri;
    try {
      uri = URI.create(address);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("BMC address " + address + " is not a URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null
        || uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/")
        || uri.getRawQuery() != null) {
      throw new IllegalArgumentException("BMC address " + address + " must be https://host[:port] or http://host[:port]");
    }
    if (certificateSha256 != null) {
      certificateSha256 = certificateSha256.toLowerCase(Locale.ROOT).replace(":", "");
      if (!certificateSha256.matches("[0-9a-f]{64}")) {
        throw new IllegalArgumentException("certificateSha256 must be 64 hex digits (SHA-256 of the DER certificate)");
      }
    }
  }

  /** Without the password. */
  @Override
  public String toString() {
    return "BmcEndpoint[address=" + address + ", username=" + username + ", certificateSha256=" + certificateSha256
        + ", insecure=" + insecure + "]";
  }
}
