"""Clinical files on S3-compatible object storage (MEDIA_STORAGE=s3), through django-storages.

Private (ACL "private", no public URL: any URL the storage could make is signed and Pigment
never hands one out), encrypted at rest by the server, never overwritten. The files are
still served only by Pigment's access-checked views, which read them through the storage."""


def s3_storage(*, bucket: str, endpoint_url: str | None = None, region: str | None = None,
               access_key: str | None = None, secret_key: str | None = None, location: str = "",
               encryption: str = "AES256") -> dict:
    """The STORAGES["default"] entry for a bucket."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url or None,
            "region_name": region or None,
            "access_key": access_key or None,
            "secret_key": secret_key or None,
            "location": location,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
            "object_parameters": {"ServerSideEncryption": encryption},
        },
    }
