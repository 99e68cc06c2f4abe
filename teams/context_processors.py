from django.conf import settings


def device(request):
    """How long what the browser keeps on the device (drafts) may stay there."""
    return {"local_data_days": settings.LOCAL_DATA_DAYS}
