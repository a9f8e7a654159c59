"""Where images live: source and thumbnail storages (local folder, S3, any Django
storage), locks, failure memory, temporary and regular files."""
