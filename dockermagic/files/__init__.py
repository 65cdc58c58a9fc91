"""Files in and out of the engine: save, load, import, export and commit streamed a chunk at a
time, and `docker cp` both ways."""
