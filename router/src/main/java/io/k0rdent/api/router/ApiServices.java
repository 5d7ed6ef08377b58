package io.k0rdent.api.router;

import io.k0rdent.api.core.auth.AuthState;
import io.k0rdent.api.core.auth.ClientRegistry;
import io.k0rdent.api.core.auth.CredentialChecks;
import io.k0rdent.api.core.auth.Grants;
import io.k0rdent.api.core.auth.SecretHasher;
import io.k0rdent.api.core.auth.SigningKeyRing;
import io.k0rdent.api.core.auth.SigningKeys;
import io.k0rdent.api.router.auth.RateLimits;
import io.k0rdent.api.core.store.Store;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;

/**
 * What the routers need from the process, shared by every verticle instance (all members are
 * thread-safe). Thread-confined parts (JWT signers and verifiers) are made per router from these.
 *
 * @param grants           the policy engine: every principal's compiled grants
 * @param keyRing          the JWT signing keys, following rotations (see {@link #signingKeys()})
 * @param providerOrganizationId the provider's own organization (seeded; cannot be deleted)
 * @param issuer           the {@code iss} of our tokens (RFC 9068 §2.2)
 * @param audience         the {@code aud} of our tokens
 * @param tokenTtl         access-token lifetime (the contract's {@code expires_in}, 900 s by default)
 * @param bodyLimitBytes   largest accepted request body; larger ones answer 413
 * @param idempotencyTtl   how long an {@code Idempotency-Key} replays its first answer
 * @param version          the product version, shown in our OpenAPI documents
 * @param iam              credentials, revocations and limits of the auth service
 * @param ipam             the regions served here and what networks may be
 * @param servers          what bare-metal registration needs
 */
public record ApiServices(Store store, Grants grants, ClientRegistry clients, SigningKeyRing keyRing,
                          PageTokens pageTokens, MeterRegistry meters, String providerOrganizationId,
                          String issuer, String audience,
                          Duration tokenTtl, long bodyLimitBytes, Duration idempotencyTtl, String version, Iam iam,
                          Ipam ipam, Servers servers) {

  /**
   * The auth service's shared parts.
   *
   * @param state                 live credential state, revocations, role sets
   * @param checks                the credential rules over {@code state}
   * @param hasher                keyed hashing of new secrets
   * @param rateLimits            per-client and per-address limits of the OAuth endpoints
   * @param credentialMaxLifetime default and longest lifetime of a service-account credential
   * @param apiKeyMaxLifetime     default and longest lifetime of an API key
   */
  public record Iam(AuthState state, CredentialChecks checks, SecretHasher hasher, RateLimits rateLimits,
                    Duration credentialMaxLifetime, Duration apiKeyMaxLifetime) {
    /** 365 days. */
    public static final Duration DEFAULT_MAX_LIFETIME = Duration.ofDays(365);
  }

  /**
   * IP address management.
   *
   * @param regions   the regions this deployment serves (configuration {@code regions}); a path naming any
   *                  other answers 404
   * @param cidrRules what a network's or pool's CIDR block may be
   * @param externalAddressesPerProject how many EXTERNAL addresses a project may hold per region (0: no limit)
   */
  public record Ipam(java.util.Set<String> regions, io.k0rdent.api.core.ipam.CidrRules cidrRules,
                     int externalAddressesPerProject) {

    public Ipam {
      regions = java.util.Set.copyOf(regions);
    }

    /** Whether {@code region} is served here. */
    public boolean serves(String region) {
      return region != null && regions.contains(region);
    }
  }

  /**
   * Bare-metal servers.
   *
   * @param cipher    seals BMC credentials (key {@code servers.credentialKey}); null when none is configured: then
   *                  registering answers 503 saying so
   * @param allowHttp whether a BMC address may be plain {@code http} (configuration {@code servers.allowHttp};
   *                  true in {@code dev})
   * @param probe     checks a BMC for {@code :validate}
   */
  public record Servers(io.k0rdent.api.core.server.CredentialCipher cipher, boolean allowHttp,
                        io.k0rdent.api.core.server.BmcProbe probe) {}

  /**
   * The signing keys as of now (an immutable snapshot of {@link #keyRing()}); code that keeps signers or
   * verifiers must follow the ring instead.
   */
  public SigningKeys signingKeys() {
    return keyRing.keys();
  }

  /** 1 MiB. */
  public static final long DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;
  /** 24 hours. */
  public static final Duration DEFAULT_IDEMPOTENCY_TTL = Duration.ofHours(24);
}
