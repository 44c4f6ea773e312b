// Media stage: FFmpeg ingest.
