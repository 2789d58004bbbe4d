# configmgr.get_site {code} -> {exists, code, type, parent, server}: the site as this SMS Provider knows it.
$local = [string](Get-SupctlProvider).SiteCode
$previous = Enter-SupctlSite $local
try {
  $code = ([string]$p.code).ToUpperInvariant()
  $site = Get-CMSite -SiteCode $code
  $result = @{ exists = $false; code = $code; type = $null; parent = $null; server = $null }
  if ($null -ne $site) {
    $types = @{ 1 = 'secondary'; 2 = 'primary'; 4 = 'cas' }
    $result.exists = $true
    $result.type = $types[[int]$site.Type]
    if ($site.ReportingSiteCode) { $result.parent = [string]$site.ReportingSiteCode }
    $result.server = [string]$site.ServerName
  }
} finally {
  Set-Location $previous
}
return $result
