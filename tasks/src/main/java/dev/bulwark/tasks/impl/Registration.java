package dev.bulwark.tasks.impl;

import dev.bulwark.tasks.AsyncTaskHandler;
import dev.bulwark.tasks.TaskHandler;

/**
 * A registered task type: its payload class and exactly one of a blocking or an async handler.
 * Immutable and thread-safe.
 */
record Registration(String type, Class<?> payloadType, TaskHandler<Object, Object> blocking,
    AsyncTaskHandler<Object, Object> async) {

  @SuppressWarnings("unchecked")
  static Registration blocking(String type, Class<?> payloadType, TaskHandler<?, ?> handler) {
    return new Registration(type, payloadType, (TaskHandler<Object, Object>) handler, null);
  }

  @SuppressWarnings("unchecked")
  static Registration async(String type, Class<?> payloadType, AsyncTaskHandler<?, ?> handler) {
    return new Registration(type, payloadType, null, (AsyncTaskHandler<Object, Object>) handler);
  }
}
