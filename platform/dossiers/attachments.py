"""Dossier attachments: upload, list and download, in the pages and the API.

Files are stored by django-tenants' TenantFileSystemStorage under ``MEDIA_ROOT/<schema>/dossiers/<id>/`` with a
random name, and are served only here, after ``access_dossier`` — there is no public media URL (nginx has no
/media/ location), so a file of one tenant is never reachable from another tenant's host.
"""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from core.access import require
from core.api.base import TenantAPIView
from core.pages import tenant_page
from dossiers.models import Attachment
from dossiers.permissions import DossiersPerm
from dossiers.services import access_dossier, visible_dossiers

MAX_BYTES = 10 * 1024 * 1024
ALLOWED = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


# ------------------------------------------------------------------------------------------------ services
@transaction.atomic
def add_attachment(actor, tenant, dossier_id, uploaded, *, description: str = "") -> Attachment:
    require(actor, tenant, DossiersPerm.EDIT)
    dossier = access_dossier(actor, tenant, dossier_id)
    if uploaded is None:
        raise ValidationError({"file": _("Choose a file.")})
    suffix = Path(uploaded.name or "").suffix.lower()
    if suffix not in ALLOWED:
        raise ValidationError({"file": _("Allowed are PDF, JPEG, PNG, Word and Excel files.")})
    if uploaded.size > MAX_BYTES:
        raise ValidationError({"file": _("A file may have at most 10 MB.")})
    attachment = Attachment(
        dossier=dossier,
        name=Path(uploaded.name).name[:200],
        description=(description or "").strip()[:200],
        content_type=ALLOWED[suffix],
        size=uploaded.size,
        uploaded_by=actor,
    )
    attachment.file.save(attachment.name, uploaded, save=False)
    try:  # the file is on disk now; if the row does not make it, remove the file again
        attachment.save()
    except Exception:
        attachment.file.delete(save=False)
        raise
    return attachment


def access_attachment(actor, tenant, attachment_id) -> Attachment:
    try:
        return Attachment.objects.get(pk=attachment_id, dossier__in=visible_dossiers(actor, tenant))
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def download(attachment: Attachment) -> FileResponse:
    response = FileResponse(
        attachment.file.open("rb"), as_attachment=True, filename=attachment.name, content_type=attachment.content_type
    )
    response["Cache-Control"] = "private, no-store"
    return response


# -------------------------------------------------------------------------------------------------- pages
class AttachmentForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File"))
    description = forms.CharField(label=gettext_lazy("Description"), max_length=200, required=False)


@require_POST
@tenant_page(DossiersPerm.EDIT)
def upload_page(request, dossier_id: int):
    from django.contrib import messages

    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            add_attachment(request.user, request.tenant, dossier_id, form.cleaned_data["file"],
                           description=form.cleaned_data["description"])  # fmt: skip
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The file is attached."))
    else:
        messages.error(request, _("Choose a file."))
    return redirect("dossiers:dossier-detail", dossier_id=dossier_id)


@tenant_page(DossiersPerm.VIEW)
def download_page(request, attachment_id: int):
    return download(access_attachment(request.user, request.tenant, attachment_id))


page_urlpatterns = [
    path("<int:dossier_id>/attachments/", upload_page, name="attachment-upload"),
    path("attachments/<int:attachment_id>/", download_page, name="attachment-download"),
]


# ---------------------------------------------------------------------------------------------------- API
class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = ["id", "name", "description", "content_type", "size", "uploaded_at"]
        read_only_fields = fields


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    description = serializers.CharField(required=False, allow_blank=True, default="")


class DossierAttachments(TenantAPIView):
    """A dossier's attachments; POST (multipart) adds one."""

    parser_classes = [MultiPartParser]
    required_permissions = {"GET": DossiersPerm.VIEW, "POST": DossiersPerm.EDIT}

    @extend_schema(responses=AttachmentSerializer(many=True))
    def get(self, request, dossier_id: int):
        dossier = access_dossier(request.user, self.tenant, dossier_id)
        return Response(AttachmentSerializer(dossier.attachments.all(), many=True).data)

    @extend_schema(request=AttachmentUploadSerializer, responses={201: AttachmentSerializer})
    def post(self, request, dossier_id: int):
        data = AttachmentUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        attachment = add_attachment(
            request.user,
            self.tenant,
            dossier_id,
            data.validated_data["file"],
            description=data.validated_data["description"],
        )
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


class AttachmentDownload(TenantAPIView):
    required_permission = DossiersPerm.VIEW

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    def get(self, request, attachment_id: int):
        return download(access_attachment(request.user, self.tenant, attachment_id))


api_urlpatterns = [
    path("dossiers/<int:dossier_id>/attachments/", DossierAttachments.as_view(), name="dossier-attachments"),
    path("dossier-attachments/<int:attachment_id>/", AttachmentDownload.as_view(), name="dossier-attachment"),
]
