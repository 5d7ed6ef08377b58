package io.k0rdent.api.core.store;

import java.time.Instant;

/** The last successful use of a credential: when, and from which address ({@code lastUsedAt}, {@code lastUsedIp}). */
public record Use(Instant at, String ip) {}
