package io.k0rdent.api.core.resource;

import java.time.Instant;
import java.util.UUID;

/**
 * What every stored API resource has (ARCHITECTURE.md §1): a client-chosen slug {@code id}, a
 * server {@code uid}, timestamps in UTC with millisecond precision, and a {@code version} that
 * increases by one on every change and drives optimistic concurrency and the {@code ETag}.
 */
public interface Resource {

  /** Slug, see {@link Slugs#PATTERN}; immutable. */
  String id();

  /** Server-generated UUID; immutable, never reused, so an {@code ETag} never matches a re-created resource. */
  UUID uid();

  Instant createdAt();

  Instant updatedAt();

  /** 1 at creation, +1 per update. */
  long version();

  /** The strong entity tag, quoted as HTTP sends it (RFC 9110 §8.8.3). */
  default String etag() {
    return "\"" + Long.toString(version(), 36) + "-" + uid().toString().substring(0, 8) + "\"";
  }
}
