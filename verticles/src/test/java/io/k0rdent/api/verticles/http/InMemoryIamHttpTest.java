package io.k0rdent.api.verticles.http;

/** {@link IamHttpContract} against the in-memory store. */
class InMemoryIamHttpTest extends IamHttpContract {}
