package io.k0rdent.api.verticles.http;

/** {@link EventsHttpContract} on the in-memory store. */
class InMemoryEventsHttpTest extends EventsHttpContract {}
