package io.k0rdent.api.core.store;

import java.util.List;

/** One page of a list; {@code next} is null on the last page. */
public record Page<T>(List<T> items, PageCursor next) {
  public Page {
    items = List.copyOf(items);
  }
}
