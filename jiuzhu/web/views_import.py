"""Pages for importing households from a spreadsheet and exporting them to one."""
import io

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from jiuzhu.core.roles import can_export, can_import, can_reveal_numbers
from jiuzhu.registry.exports import XLSX_CONTENT_TYPE, household_export_xlsx, import_errors_csv, import_errors_xlsx
from jiuzhu.registry.import_template import import_template_xlsx
from jiuzhu.registry.imports import (
    ImportErrorCode,
    ImportFileError,
    household_import,
    import_batch_get,
    import_batch_list,
    import_error_rows,
    max_upload_bytes,
)
from jiuzhu.registry.models import ImportBatch
from jiuzhu.registry.selectors import household_list
from jiuzhu.web.forms import HouseholdFilterForm

# The result page lists this many errors; the downloadable report has all of them.
ERRORS_SHOWN = 500


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = max_upload_bytes()
        if upload.size > limit:
            # Refused before the file is read into memory.
            raise forms.ValidationError(
                ImportFileError(
                    ImportErrorCode.TOO_LARGE, size=f"{upload.size / 1024 / 1024:.1f}",
                    limit=f"{limit / 1024 / 1024:g}",
                ).message
            )
        return upload


def _require_import(user) -> None:
    if not can_import(user):
        raise PermissionDenied(_("Your role may not import households."))


@never_cache
@login_required
def import_upload(request):
    _require_import(request.user)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = household_import(
                actor=request.user, file_name=upload.name, data=upload.read(), request=request,
            )
        except ImportFileError as err:
            form.add_error("file", err.message)
        else:
            return redirect("web:import_detail", pk=batch.pk)
    return render(
        request, "web/import_upload.html",
        {
            "form": form,
            "batches": import_batch_list(user=request.user),
            "max_megabytes": f"{max_upload_bytes() / 1024 / 1024:g}",
            "nav_active": "import",
        },
    )


def _batch(request, pk: int) -> ImportBatch:
    _require_import(request.user)
    try:
        return import_batch_get(user=request.user, pk=pk)
    except ImportBatch.DoesNotExist:
        raise Http404 from None


@never_cache
@login_required
def import_detail(request, pk: int):
    batch = _batch(request, pk)
    errors = import_error_rows(batch)
    return render(
        request, "web/import_detail.html",
        {
            "batch": batch,
            "errors": errors[:ERRORS_SHOWN],
            "errors_total": len(errors),
            "errors_truncated": len(errors) > ERRORS_SHOWN,
            "nav_active": "import",
        },
    )


@never_cache
@login_required
def import_report_download(request, pk: int):
    batch = _batch(request, pk)
    name = f"import-{batch.pk}-errors"
    if request.GET.get("format") == "csv":
        return FileResponse(
            io.BytesIO(import_errors_csv(batch)), as_attachment=True, filename=f"{name}.csv",
            content_type="text/csv; charset=utf-8",
        )
    return _xlsx_response(import_errors_xlsx(batch), f"{name}.xlsx")


@login_required
def import_template_download(request):
    _require_import(request.user)
    return _xlsx_response(import_template_xlsx(), "household-import-template.xlsx")


@never_cache
@login_required
def household_export(request):
    """The household list, with the list page's filters, as an Excel file in the import format."""
    if not can_export(request.user):
        raise PermissionDenied(_("Your role may not export personal data."))
    filters = HouseholdFilterForm(request.GET or None, user=request.user).filters()
    data = household_export_xlsx(
        user=request.user,
        households_qs=household_list(user=request.user, **filters),
        reveal=can_reveal_numbers(request.user),
        filters=filters,
        request=request,
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return _xlsx_response(data, f"households-{stamp}.xlsx")


def _xlsx_response(data: bytes, filename: str) -> FileResponse:
    return FileResponse(io.BytesIO(data), as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
