# expect: background-job 3
# A trailing '&' runs the pipeline as a job (PowerShell 6.0).
Get-ChildItem -Path C:\Windows -Recurse &
