# configmgr.get_account {user} -> {exists, user, site}
Import-Module "$($env:SMS_ADMIN_UI_PATH)\..\ConfigurationManager.psd1" -ErrorAction Stop
$local = (Get-WmiObject -Namespace 'root\sms' -Class SMS_ProviderLocation | Where-Object { $_.ProviderForLocalSite } | Select-Object -First 1).SiteCode
if (-not $local) { throw 'this server is not an SMS Provider: no local site found in root\sms' }
$previous = Get-Location
Set-Location "$($local):\"
try {
  $user = [string]$p.user
  $account = Get-CMAccount -UserName $user | Select-Object -First 1
  $result = @{ exists = $false; user = $user; site = $null }
  if ($null -ne $account) {
    $result.exists = $true
    $result.user = [string]$account.UserName
    $result.site = [string]$account.SiteCode
  }
} finally {
  Set-Location $previous
}
return $result
