package io.k0rdent.api.core.store;

import java.time.Instant;

/**
 * Keyset position in a list ordered by ({@code createdAt}, {@code id}): the next page starts strictly
 * after it. Keyset paging never skips or repeats an item that exists throughout the walk, however many
 * items are created meanwhile.
 */
public record PageCursor(Instant createdAt, String id) {}
