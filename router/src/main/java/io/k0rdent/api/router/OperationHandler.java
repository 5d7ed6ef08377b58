package io.k0rdent.api.router;

import io.vertx.core.Future;

/**
 * The code behind one operationId. Runs on an event loop: it must not block. It may throw or fail
 * with an {@link io.k0rdent.api.core.error.ApiException}; anything else is a 500.
 */
@FunctionalInterface
public interface OperationHandler {
  Future<Reply> handle(Call call);
}
