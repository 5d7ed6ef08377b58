package io.k0rdent.api.core.store;

import java.util.Map;

/**
 * One page request to a {@link ResourceStore}.
 *
 * @param filters exact-match filters by API field name (e.g. {@code organizationId}); only those the
 *                store documents for the resource are allowed
 * @param after   cursor of the last item of the previous page, or null for the first page
 * @param limit   page size, 1..500
 */
public record ListQuery(Map<String, String> filters, PageCursor after, int limit) {
  public ListQuery {
    filters = Map.copyOf(filters);
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be positive");
    }
  }
}
