/* The script of a near-duplicate page, inside one function with rows.js
   (near.rs, NEAR_JS). A member's rows: its prefix is its text's data-p,
   its one rule the member's. */
document.querySelectorAll("pre.rows").forEach(function(pre){
  var t=pre.closest(".text"),m=pre.closest(".member");
  rowsOf(pre,t?t.getAttribute("data-p")||"":"",[m?m.getAttribute("data-rule"):""]);
});
/* Filters: a member is shown when its rule is the chosen one (or any) and
   its similarity is at least the chosen minimum (a member without a score
   only when the minimum is 0); a card with no member shown is hidden. */
var rule=document.getElementById("n-rule"),min=document.getElementById("n-sim"),out=document.getElementById("n-count");
function apply(){
  var r=rule.value,m=parseFloat(min.value)||0,cards=0,members=0;
  document.querySelectorAll("section.near").forEach(function(s){
    var shown=0;
    s.querySelectorAll(".member").forEach(function(e){
      var sim=e.getAttribute("data-sim"),v=sim===""?-1:parseFloat(sim);
      var ok=(!r||e.getAttribute("data-rule")===r)&&(m<=0||v>=m);
      e.hidden=!ok;if(ok)shown++;
    });
    s.hidden=shown===0;if(shown){cards++;members+=shown;}
  });
  out.textContent=cards+" clusters, "+members+" copies shown";
}
rule.onchange=apply;min.oninput=apply;apply();
